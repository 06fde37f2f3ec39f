complete -c tg-list-users -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-list-users -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-list-users -s w -l workspace -d 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile\'s workspace]' -r
complete -c tg-list-users -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s records as a JSON array'
csv\t'The table\'s columns as CSV: a header row, then one row per record (RFC 4180: CRLF line ends, fields quoted when needed)'
ids\t'Each record\'s id, one per line (for xargs)'"
complete -c tg-list-users -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-list-users -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-list-users -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-list-users -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-list-users -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-list-users -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-list-users -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-list-users -s V -l version -d 'Print version'
