complete -c tg-change-password -s t -l token -d 'API key or JWT to authenticate with' -r
complete -c tg-change-password -l current -d 'Current password (prompted if omitted; visible in `ps`)' -r
complete -c tg-change-password -l new -d 'New password (prompted twice if omitted; visible in `ps`)' -r
complete -c tg-change-password -s u -l api-url -d 'Gateway base URL [default: http://localhost:8088/]' -r
complete -c tg-change-password -l timeout -d 'Give up on a request after SECS seconds' -r
complete -c tg-change-password -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA)' -r -F
complete -c tg-change-password -l password-stdin -d 'Read the passwords not given as flags from standard input, one per line: the current one first, then the new one'
complete -c tg-change-password -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-change-password -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-change-password -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-change-password -s V -l version -d 'Print version'
