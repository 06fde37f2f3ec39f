complete -c tg-create-user -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-create-user -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-create-user -l username -d 'Username (globally unique)' -r
complete -c tg-create-user -l password -d 'Password (prompted twice if omitted; visible in `ps`, prefer --password-stdin)' -r
complete -c tg-create-user -l name -d 'Display name' -r
complete -c tg-create-user -l email -d 'Email' -r
complete -c tg-create-user -l roles -d 'One or more role names: reader, writer, admin' -r
complete -c tg-create-user -s w -l workspace -d 'Default (home) workspace for the new user' -r
complete -c tg-create-user -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-create-user -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-create-user -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-create-user -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-create-user -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-create-user -l password-stdin -d 'Read the password from the first line of standard input'
complete -c tg-create-user -l strict-roles -d 'Refuse a role other than reader, writer and admin (without it: a warning, and the role is sent)'
complete -c tg-create-user -l must-change-password -d 'Force password change on next login'
complete -c tg-create-user -l exists-ok -d 'If the username is taken, print that user\'s id and exit 0 (a warning says how it differs from what was asked)'
complete -c tg-create-user -l strict -d 'With --exists-ok: exit 1 when the existing user differs from what was asked (workspace, roles, name, email, enabled)'
complete -c tg-create-user -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-create-user -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-create-user -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-create-user -s V -l version -d 'Print version'
