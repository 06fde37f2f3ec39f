
use builtin;
use str;

set edit:completion:arg-completer[tg-create-user] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tg-create-user'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tg-create-user'= {
            cand -t 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token-file 'Read the token from the first line of FILE (must be private: chmod 600)'
            cand --username 'Username (globally unique)'
            cand --password 'Password (prompted twice if omitted; visible in `ps`, prefer --password-stdin)'
            cand --name 'Display name'
            cand --email 'Email'
            cand --roles 'One or more role names: reader, writer, admin'
            cand -w 'Default (home) workspace for the new user'
            cand --workspace 'Default (home) workspace for the new user'
            cand -o 'Output format'
            cand --output 'Output format'
            cand -u 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --api-url 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --timeout 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]'
            cand --ca-cert 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand --password-stdin 'Read the password from the first line of standard input'
            cand --strict-roles 'Refuse a role other than reader, writer and admin (without it: a warning, and the role is sent)'
            cand --must-change-password 'Force password change on next login'
            cand --exists-ok 'If the username is taken, print that user''s id and exit 0 (a warning says how it differs from what was asked)'
            cand --strict 'With --exists-ok: exit 1 when the existing user differs from what was asked (workspace, roles, name, email, enabled)'
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
