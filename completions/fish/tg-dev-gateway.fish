# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tg_dev_gateway_global_optspecs
    string join \n bootstrap-mode= bootstrap-token= listen= compat= state= audit-log= log= insecure-fast-hashing jwt-ttl= rotation-grace= header-read-timeout= body-read-timeout= idle-timeout= max-connections= h/help V/version
end

function __fish_tg_dev_gateway_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tg_dev_gateway_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tg_dev_gateway_using_subcommand
    set -l cmd (__fish_tg_dev_gateway_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l bootstrap-mode -d 'How the first admin comes to exist (required)' -r -f -a "bootstrap\t'`bootstrap` succeeds once, while there are no users'
token\t'seed the admin with --bootstrap-token; `bootstrap` is refused'"
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l bootstrap-token -d 'The admin\'s API key in token mode (must start with tg_)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l listen -d 'Address to listen on (port 0 picks a free one; TrustGraph gateways listen on 8888 since August 2026, on 8088 before)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l compat -d 'Behave like a TrustGraph 2.11 gateway' -r -f -a "2.11\t'TrustGraph 2.11: IAM refusals as HTTP 200 with no error field, `bootstrap_available` in every reply'"
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l state -d 'Keep state in FILE (SQLite; a JSON state is migrated); every change is on disk before it is acknowledged; one gateway per FILE' -r -F
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l audit-log -d 'Record every IAM request in FILE, one JSON object per line (- for stderr); created 0600 (the format is at the end of --help)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l log -d 'What to log on stderr (more at the end of --help)' -r -f -a "off\t'nothing'
error\t'an audit record that cannot be written'
warn\t'also: the connection cap reached, descriptors running out'
info\t'also: one line per request'
debug\t'also: each connection evicted at the cap'
trace\t'everything'"
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l jwt-ttl -d 'JWT lifetime in seconds (1 to 2592000, 30 days)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l rotation-grace -d 'How long JWTs signed with a rotated-out key stay valid, in seconds (0 to 2592000, 30 days)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l header-read-timeout -d 'Close a connection whose request head has not arrived within SECS (also how long an idle keep-alive connection stays open)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l body-read-timeout -d 'Answer 408 when a request body has not arrived within SECS' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l idle-timeout -d 'Close a connection (WebSockets included) on which nothing has moved for SECS' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l max-connections -d 'Serve at most N connections at once [default: 1024, or fewer if the file-descriptor limit requires]' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -l insecure-fast-hashing -d 'Hash passwords with 1,000 PBKDF2 iterations instead of 600,000 (tests only)'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -s V -l version -d 'Print version'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -f -a "exec" -d 'Run CMD against a throw-away gateway, then stop it'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -f -a "completions" -d 'Print tg-dev-gateway\'s shell completions (e.g. from ~/.bashrc: source <(tg-dev-gateway completions bash))'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -f -a "man" -d 'Write the man page tg-dev-gateway(1) into DIR/man1 (DIR is created if needed; e.g. ~/.local/share/man)'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l compat -d 'Behave like a TrustGraph 2.11 gateway' -r -f -a "2.11\t'TrustGraph 2.11: IAM refusals as HTTP 200 with no error field, `bootstrap_available` in every reply'"
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l state -d 'Keep state in FILE (SQLite; a JSON state is migrated); every change is on disk before it is acknowledged; one gateway per FILE' -r -F
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l audit-log -d 'Record every IAM request in FILE, one JSON object per line (- for stderr); created 0600 (the format is at the end of --help)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l log -d 'What to log on stderr (more at the end of --help)' -r -f -a "off\t'nothing'
error\t'an audit record that cannot be written'
warn\t'also: the connection cap reached, descriptors running out'
info\t'also: one line per request'
debug\t'also: each connection evicted at the cap'
trace\t'everything'"
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l jwt-ttl -d 'JWT lifetime in seconds (1 to 2592000, 30 days)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l rotation-grace -d 'How long JWTs signed with a rotated-out key stay valid, in seconds (0 to 2592000, 30 days)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l header-read-timeout -d 'Close a connection whose request head has not arrived within SECS (also how long an idle keep-alive connection stays open)' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l body-read-timeout -d 'Answer 408 when a request body has not arrived within SECS' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l idle-timeout -d 'Close a connection (WebSockets included) on which nothing has moved for SECS' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l max-connections -d 'Serve at most N connections at once [default: 1024, or fewer if the file-descriptor limit requires]' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l keep-env -d 'Pass the caller\'s variable NAME on to the command (a TRUSTGRAPH_* or IAM_* one, which exec otherwise removes); repeatable' -r
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -l insecure-fast-hashing -d 'Hash passwords with 1,000 PBKDF2 iterations instead of 600,000 (tests only)'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -s v -l verbose -d 'Say on stderr which variables were removed from the command\'s environment (names only)'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand completions" -s h -l help -d 'Print help'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand man" -s h -l help -d 'Print help'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand help; and not __fish_seen_subcommand_from exec completions man help" -f -a "exec" -d 'Run CMD against a throw-away gateway, then stop it'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand help; and not __fish_seen_subcommand_from exec completions man help" -f -a "completions" -d 'Print tg-dev-gateway\'s shell completions (e.g. from ~/.bashrc: source <(tg-dev-gateway completions bash))'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand help; and not __fish_seen_subcommand_from exec completions man help" -f -a "man" -d 'Write the man page tg-dev-gateway(1) into DIR/man1 (DIR is created if needed; e.g. ~/.local/share/man)'
complete -c tg-dev-gateway -n "__fish_tg_dev_gateway_using_subcommand help; and not __fish_seen_subcommand_from exec completions man help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
