complete -c tg-create-api-key -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-create-api-key -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-create-api-key -l user-id -d 'Target user id' -r
complete -c tg-create-api-key -l username -d 'Target user by username instead of id (resolved with one list-users read, which needs users:read)' -r
complete -c tg-create-api-key -l name -d 'Operator-facing label (e.g. \'laptop\', \'ci\')' -r
complete -c tg-create-api-key -l expires -d 'ISO-8601 expiry, e.g. 2027-01-31 or 2027-01-31T12:00:00+00:00 (optional; empty = no expiry). Checked here: the gateway would silently store a bad value as "never expires"' -r
complete -c tg-create-api-key -s w -l workspace -d 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile\'s workspace]' -r
complete -c tg-create-api-key -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-create-api-key -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-create-api-key -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-create-api-key -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-create-api-key -l exists-ok -d 'If the user already has a key of this name, exit 0 without creating one (nothing on stdout: its secret cannot be shown again)'
complete -c tg-create-api-key -l strict -d 'With --exists-ok: exit 1 when the existing key\'s expiry differs from --expires'
complete -c tg-create-api-key -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-create-api-key -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-create-api-key -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-create-api-key -s V -l version -d 'Print version'
