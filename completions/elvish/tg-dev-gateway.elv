
use builtin;
use str;

set edit:completion:arg-completer[tg-dev-gateway] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tg-dev-gateway'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tg-dev-gateway'= {
            cand --bootstrap-mode 'How the first admin comes to exist (required)'
            cand --bootstrap-token 'The admin''s API key in token mode (must start with tg_)'
            cand --listen 'Address to listen on (port 0 picks a free one; TrustGraph gateways listen on 8888 since August 2026, on 8088 before)'
            cand --compat 'Behave like a TrustGraph 2.11 gateway'
            cand --state 'Keep state in FILE (SQLite; a JSON state is migrated); every change is on disk before it is acknowledged; one gateway per FILE'
            cand --audit-log 'Record every IAM request in FILE, one JSON object per line (- for stderr); created 0600 (the format is at the end of --help)'
            cand --log 'What to log on stderr (more at the end of --help)'
            cand --jwt-ttl 'JWT lifetime in seconds (1 to 2592000, 30 days)'
            cand --rotation-grace 'How long JWTs signed with a rotated-out key stay valid, in seconds (0 to 2592000, 30 days)'
            cand --header-read-timeout 'Close a connection whose request head has not arrived within SECS (also how long an idle keep-alive connection stays open)'
            cand --body-read-timeout 'Answer 408 when a request body has not arrived within SECS'
            cand --idle-timeout 'Close a connection (WebSockets included) on which nothing has moved for SECS'
            cand --max-connections 'Serve at most N connections at once [default: 1024, or fewer if the file-descriptor limit requires]'
            cand --insecure-fast-hashing 'Hash passwords with 1,000 PBKDF2 iterations instead of 600,000 (tests only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand exec 'Run CMD against a throw-away gateway, then stop it'
            cand completions 'Print tg-dev-gateway''s shell completions (e.g. from ~/.bashrc: source <(tg-dev-gateway completions bash))'
            cand man 'Write the man page tg-dev-gateway(1) into DIR/man1 (DIR is created if needed; e.g. ~/.local/share/man)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tg-dev-gateway;exec'= {
            cand --compat 'Behave like a TrustGraph 2.11 gateway'
            cand --state 'Keep state in FILE (SQLite; a JSON state is migrated); every change is on disk before it is acknowledged; one gateway per FILE'
            cand --audit-log 'Record every IAM request in FILE, one JSON object per line (- for stderr); created 0600 (the format is at the end of --help)'
            cand --log 'What to log on stderr (more at the end of --help)'
            cand --jwt-ttl 'JWT lifetime in seconds (1 to 2592000, 30 days)'
            cand --rotation-grace 'How long JWTs signed with a rotated-out key stay valid, in seconds (0 to 2592000, 30 days)'
            cand --header-read-timeout 'Close a connection whose request head has not arrived within SECS (also how long an idle keep-alive connection stays open)'
            cand --body-read-timeout 'Answer 408 when a request body has not arrived within SECS'
            cand --idle-timeout 'Close a connection (WebSockets included) on which nothing has moved for SECS'
            cand --max-connections 'Serve at most N connections at once [default: 1024, or fewer if the file-descriptor limit requires]'
            cand --keep-env 'Pass the caller''s variable NAME on to the command (a TRUSTGRAPH_* or IAM_* one, which exec otherwise removes); repeatable'
            cand --insecure-fast-hashing 'Hash passwords with 1,000 PBKDF2 iterations instead of 600,000 (tests only)'
            cand -v 'Say on stderr which variables were removed from the command''s environment (names only)'
            cand --verbose 'Say on stderr which variables were removed from the command''s environment (names only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tg-dev-gateway;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tg-dev-gateway;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tg-dev-gateway;help'= {
            cand exec 'Run CMD against a throw-away gateway, then stop it'
            cand completions 'Print tg-dev-gateway''s shell completions (e.g. from ~/.bashrc: source <(tg-dev-gateway completions bash))'
            cand man 'Write the man page tg-dev-gateway(1) into DIR/man1 (DIR is created if needed; e.g. ~/.local/share/man)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tg-dev-gateway;help;exec'= {
        }
        &'tg-dev-gateway;help;completions'= {
        }
        &'tg-dev-gateway;help;man'= {
        }
        &'tg-dev-gateway;help;help'= {
        }
    ]
    $completions[$command]
}
