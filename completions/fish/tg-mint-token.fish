complete -c tg-mint-token -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-mint-token -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-mint-token -s w -l workspace -d 'Target workspace for the minted token' -r
complete -c tg-mint-token -l user-context -d 'UserContext as a JSON string (a JSON object)' -r
complete -c tg-mint-token -l user-id -d 'User ID (UUID) for the minted token\'s subject' -r
complete -c tg-mint-token -l username -d 'Username to resolve to a user ID (the gateway resolves it)' -r
complete -c tg-mint-token -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-mint-token -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-mint-token -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-mint-token -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-mint-token -l self -d 'Mint token for the caller\'s own user ID'
complete -c tg-mint-token -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-mint-token -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-mint-token -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-mint-token -s V -l version -d 'Print version'
