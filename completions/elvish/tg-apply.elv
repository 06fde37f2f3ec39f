
use builtin;
use str;

set edit:completion:arg-completer[tg-apply] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tg-apply'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tg-apply'= {
            cand -t 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token-file 'Read the token from the first line of FILE (must be private: chmod 600)'
            cand -f 'The manifest: a .toml, .yaml/.yml or .json file, or - for standard input (with --format)'
            cand --file 'The manifest: a .toml, .yaml/.yml or .json file, or - for standard input (with --format)'
            cand --format 'The manifest''s format [default: from the file''s extension]'
            cand -j 'Run up to N independent steps at once'
            cand --jobs 'Run up to N independent steps at once'
            cand --secrets-out 'Write minted secrets to FILE (a new file, mode 0600, created when the first secret is minted; an existing file is never overwritten) instead of stdout; - is stdout'
            cand -u 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --api-url 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --timeout 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]'
            cand --ca-cert 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand --dry-run 'Print the plan and change nothing'
            cand --check 'Print the plan, change nothing, and exit 8 when it has changes (0 when the gateway holds what the manifest describes): a drift check for CI; with --prune, what --prune would remove counts too'
            cand --prune 'Disable users and revoke API keys the manifest does not list (never the caller''s own user, the key in use or the last enabled admin; nothing is deleted)'
            cand --yes 'Apply a plan that takes something away (a role, an enabled user or workspace, an API key) without asking; needed without a terminal'
            cand --insecure 'Do not verify the gateway''s TLS certificate (dangerous; warns)'
            cand -v 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
            cand --verbose 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
    ]
    $completions[$command]
}
