
use builtin;
use str;

set edit:completion:arg-completer[tg-create-api-key] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tg-create-api-key'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tg-create-api-key'= {
            cand -t 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token-file 'Read the token from the first line of FILE (must be private: chmod 600)'
            cand --user-id 'Target user id'
            cand --username 'Target user by username instead of id (resolved with one list-users read, which needs users:read)'
            cand --name 'Operator-facing label (e.g. ''laptop'', ''ci'')'
            cand --expires 'ISO-8601 expiry, e.g. 2027-01-31 or 2027-01-31T12:00:00+00:00 (optional; empty = no expiry). Checked here: the gateway would silently store a bad value as "never expires"'
            cand -w 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile''s workspace]'
            cand --workspace 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile''s workspace]'
            cand -u 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --api-url 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --timeout 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]'
            cand --ca-cert 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand --exists-ok 'If the user already has a key of this name, exit 0 without creating one (nothing on stdout: its secret cannot be shown again)'
            cand --strict 'With --exists-ok: exit 1 when the existing key''s expiry differs from --expires'
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
