complete -c tg-list-users -s t -l token -d 'API key or JWT to authenticate with' -r
complete -c tg-list-users -s w -l workspace -d 'Workspace to act in (a filter or integrity check; sent only when set)' -r
complete -c tg-list-users -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-list-users -s u -l api-url -d 'Gateway base URL [default: http://localhost:8088/]' -r
complete -c tg-list-users -l timeout -d 'Give up on a request after SECS seconds' -r
complete -c tg-list-users -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA)' -r -F
complete -c tg-list-users -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-list-users -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-list-users -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-list-users -s V -l version -d 'Print version'
