complete -c tg-revoke-api-key -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-revoke-api-key -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-revoke-api-key -l key-id -d 'Key id (tg-list-api-keys shows the ids)' -r
complete -c tg-revoke-api-key -l name -d 'The key\'s name, with --user-id or --username (two keys of that user with the name: refused, listing their ids)' -r
complete -c tg-revoke-api-key -l user-id -d 'The key\'s owner, by id (with --name)' -r
complete -c tg-revoke-api-key -l username -d 'The key\'s owner, by username (with --name; resolved with one list-users read)' -r
complete -c tg-revoke-api-key -s w -l workspace -d 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile\'s workspace]' -r
complete -c tg-revoke-api-key -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-revoke-api-key -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-revoke-api-key -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-revoke-api-key -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-revoke-api-key -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-revoke-api-key -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-revoke-api-key -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-revoke-api-key -s V -l version -d 'Print version'
