complete -c tg-whoami -s t -l token -d 'API key or JWT to authenticate with' -r
complete -c tg-whoami -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-whoami -s u -l api-url -d 'Gateway base URL [default: http://localhost:8088/]' -r
complete -c tg-whoami -l timeout -d 'Give up on a request after SECS seconds' -r
complete -c tg-whoami -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA)' -r -F
complete -c tg-whoami -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-whoami -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-whoami -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-whoami -s V -l version -d 'Print version'
