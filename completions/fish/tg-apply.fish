complete -c tg-apply -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-apply -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-apply -s f -l file -d 'The manifest: a .toml, .yaml/.yml or .json file, or - for standard input (with --format)' -r -F
complete -c tg-apply -l format -d 'The manifest\'s format [default: from the file\'s extension]' -r -f -a "toml\t''
yaml\t''
json\t''"
complete -c tg-apply -s j -l jobs -d 'Run up to N independent steps at once' -r
complete -c tg-apply -l secrets-out -d 'Write minted secrets to FILE (a new file, mode 0600, created when the first secret is minted; an existing file is never overwritten) instead of stdout; - is stdout' -r -F
complete -c tg-apply -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-apply -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-apply -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-apply -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-apply -l dry-run -d 'Print the plan and change nothing'
complete -c tg-apply -l check -d 'Print the plan, change nothing, and exit 8 when it has changes (0 when the gateway holds what the manifest describes): a drift check for CI; with --prune, what --prune would remove counts too'
complete -c tg-apply -l prune -d 'Disable users and revoke API keys the manifest does not list (never the caller\'s own user, the key in use or the last enabled admin; nothing is deleted)'
complete -c tg-apply -l yes -d 'Apply a plan that takes something away (a role, an enabled user or workspace, an API key) without asking; needed without a terminal'
complete -c tg-apply -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-apply -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-apply -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-apply -s V -l version -d 'Print version'
