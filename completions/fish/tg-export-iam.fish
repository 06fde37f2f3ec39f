complete -c tg-export-iam -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-export-iam -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-export-iam -s w -l workspace -d 'Only this workspace, the users whose home it is, and their keys (repeatable) [default: every workspace]' -r
complete -c tg-export-iam -l format -d 'The manifest\'s format' -r -f -a "toml\t''
yaml\t''
json\t''"
complete -c tg-export-iam -s j -l jobs -d 'Read up to N users\' keys at once' -r
complete -c tg-export-iam -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-export-iam -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-export-iam -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-export-iam -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-export-iam -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-export-iam -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-export-iam -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-export-iam -s V -l version -d 'Print version'
