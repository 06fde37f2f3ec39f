complete -c tg-create-workspace -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-create-workspace -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-create-workspace -l workspace-id -d 'New workspace id (must not start with \'_\')' -r
complete -c tg-create-workspace -l name -d 'Display name' -r
complete -c tg-create-workspace -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-create-workspace -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-create-workspace -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-create-workspace -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-create-workspace -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-create-workspace -l exists-ok -d 'If the workspace exists, exit 0 saying on stderr that nothing was created (a warning says how it differs from what was asked)'
complete -c tg-create-workspace -l strict -d 'With --exists-ok: exit 1 when the existing workspace differs from what was asked (name, enabled)'
complete -c tg-create-workspace -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-create-workspace -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-create-workspace -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-create-workspace -s V -l version -d 'Print version'
