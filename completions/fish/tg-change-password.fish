complete -c tg-change-password -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-change-password -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-change-password -l current -d 'Current password (prompted if omitted; visible in `ps`)' -r
complete -c tg-change-password -l new -d 'New password (prompted twice if omitted; visible in `ps`)' -r
complete -c tg-change-password -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-change-password -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-change-password -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-change-password -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-change-password -l password-stdin -d 'Read the passwords not given as flags from standard input, one per line: the current one first, then the new one'
complete -c tg-change-password -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-change-password -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-change-password -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-change-password -s V -l version -d 'Print version'
