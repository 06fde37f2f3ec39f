complete -c tg-credential-report -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-credential-report -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-credential-report -s w -l workspace -d 'Only the users whose home is WORKSPACE, and their keys (repeatable) [default: every workspace]' -r
complete -c tg-credential-report -l max-key-age -d 'Report keys older than DAYS days (older-than-max-age)' -r
complete -c tg-credential-report -l expiring-within -d 'Report keys that expire within DAYS days (expires-soon; 0: never)' -r
complete -c tg-credential-report -s o -l output -d 'Output format' -r -f -a "table\t'Human-readable table'
json\t'An array of row objects'
csv\t'The table\'s columns as CSV: a header row, then one row per line (RFC 4180: CRLF line ends, fields quoted when needed)'"
complete -c tg-credential-report -s j -l jobs -d 'Read up to N users\' keys at once' -r
complete -c tg-credential-report -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-credential-report -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-credential-report -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-credential-report -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-credential-report -l require-expiry -d 'Report every key without an expiry (no-expiry); without it only an admin\'s is reported (admin-key-without-expiry)'
complete -c tg-credential-report -l check -d 'Exit 8 when any row has a finding (the report is printed all the same; 0 when none has)'
complete -c tg-credential-report -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-credential-report -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-credential-report -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-credential-report -s V -l version -d 'Print version'
