
use builtin;
use str;

set edit:completion:arg-completer[tg-export-iam] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tg-export-iam'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tg-export-iam'= {
            cand -t 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token-file 'Read the token from the first line of FILE (must be private: chmod 600)'
            cand -w 'Only this workspace, the users whose home it is, and their keys (repeatable) [default: every workspace]'
            cand --workspace 'Only this workspace, the users whose home it is, and their keys (repeatable) [default: every workspace]'
            cand --format 'The manifest''s format'
            cand -j 'Read up to N users'' keys at once'
            cand --jobs 'Read up to N users'' keys at once'
            cand -u 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --api-url 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --timeout 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]'
            cand --ca-cert 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
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
