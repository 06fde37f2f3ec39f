complete -c tg-login -l username -d 'Username' -r
complete -c tg-login -l password -d 'Password (prompted if omitted; visible in `ps`, prefer --password-stdin)' -r
complete -c tg-login -s w -l workspace -d 'Override the default workspace for this session\'s JWT. If omitted, uses the user\'s stored default workspace' -r
complete -c tg-login -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-login -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-login -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-login -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-login -l password-stdin -d 'Read the password from the first line of standard input'
complete -c tg-login -l save -d 'Save the session for the selected profile (--profile) in the credentials file beside the config file, instead of printing the JWT; later tools use it when no token is given'
complete -c tg-login -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-login -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-login -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-login -s V -l version -d 'Print version'
