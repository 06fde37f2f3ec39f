complete -c tg-logout -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8088/]' -r
complete -c tg-logout -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-logout -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-logout -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-logout -l all -d 'Remove the sessions of every profile'
complete -c tg-logout -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-logout -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-logout -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-logout -s V -l version -d 'Print version'
