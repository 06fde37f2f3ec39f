
use builtin;
use str;

set edit:completion:arg-completer[tg-login] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tg-login'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tg-login'= {
            cand --username 'Username'
            cand --password 'Password (prompted if omitted; visible in `ps`, prefer --password-stdin)'
            cand -w 'Override the default workspace for this session''s JWT. If omitted, uses the user''s stored default workspace'
            cand --workspace 'Override the default workspace for this session''s JWT. If omitted, uses the user''s stored default workspace'
            cand -u 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --api-url 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --timeout 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]'
            cand --ca-cert 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand --password-stdin 'Read the password from the first line of standard input'
            cand --save 'Save the session for the selected profile (--profile) in the credentials file beside the config file, instead of printing the JWT; later tools use it when no token is given'
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
