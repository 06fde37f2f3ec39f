complete -c tg-revoke-api-key -s t -l token -d 'API key or JWT to authenticate with' -r
complete -c tg-revoke-api-key -l key-id -d 'Key id to revoke' -r
complete -c tg-revoke-api-key -s w -l workspace -d 'Workspace to act in (a filter or integrity check; sent only when set)' -r
complete -c tg-revoke-api-key -s u -l api-url -d 'Gateway base URL [default: http://localhost:8088/]' -r
complete -c tg-revoke-api-key -l timeout -d 'Give up on a request after SECS seconds' -r
complete -c tg-revoke-api-key -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA)' -r -F
complete -c tg-revoke-api-key -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-revoke-api-key -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-revoke-api-key -s h -l help -d 'Print help'
complete -c tg-revoke-api-key -s V -l version -d 'Print version'
