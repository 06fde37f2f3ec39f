complete -c tg-update-user -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-update-user -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-update-user -l user-id -d 'Target user id' -r
complete -c tg-update-user -l username -d 'Target user by username instead of id (resolved with one list-users read, which needs users:read)' -r
complete -c tg-update-user -l name -d 'New display name' -r
complete -c tg-update-user -l email -d 'New email' -r
complete -c tg-update-user -l roles -d 'Replacement role list (e.g. --roles reader writer)' -r
complete -c tg-update-user -l enabled -d 'Set enabled flag (yes/no)' -r
complete -c tg-update-user -l must-change-password -d 'Set must-change-password flag (yes/no)' -r
complete -c tg-update-user -s w -l workspace -d 'Optional workspace integrity check: the target user\'s home workspace must match' -r
complete -c tg-update-user -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-update-user -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-update-user -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-update-user -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-update-user -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-update-user -l strict-roles -d 'Refuse a role other than reader, writer and admin (without it: a warning, and the role is sent)'
complete -c tg-update-user -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-update-user -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-update-user -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-update-user -s V -l version -d 'Print version'
