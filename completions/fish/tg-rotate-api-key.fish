complete -c tg-rotate-api-key -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-rotate-api-key -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-rotate-api-key -l key-id -d 'Key id (tg-list-api-keys shows the ids)' -r
complete -c tg-rotate-api-key -l name -d 'The key\'s name, with --user-id or --username (two keys of that user with the name: refused, listing their ids)' -r
complete -c tg-rotate-api-key -l user-id -d 'The key\'s owner, by id (with --name)' -r
complete -c tg-rotate-api-key -l username -d 'The key\'s owner, by username (with --name; resolved with one list-users read)' -r
complete -c tg-rotate-api-key -l expires -d 'The new key\'s expiry: ISO-8601 (2027-01-31 or 2027-01-31T12:00:00+00:00), or `never` [default: the old key\'s lifetime from now; none if it had none]' -r
complete -c tg-rotate-api-key -s w -l workspace -d 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile\'s workspace]' -r
complete -c tg-rotate-api-key -s j -l jobs -d 'With --key-id alone, read up to N users\' keys at once to find it' -r
complete -c tg-rotate-api-key -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-rotate-api-key -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-rotate-api-key -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-rotate-api-key -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-rotate-api-key -l yes -d 'Rotate the key this run authenticates with without asking'
complete -c tg-rotate-api-key -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-rotate-api-key -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-rotate-api-key -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-rotate-api-key -s V -l version -d 'Print version'
