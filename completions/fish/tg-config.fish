# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tg_config_global_optspecs
    string join \n t/token= token-file= w/workspace= o/output= u/api-url= timeout= ca-cert= profile= insecure v/verbose h/help V/version
end

function __fish_tg_config_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tg_config_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tg_config_using_subcommand
    set -l cmd (__fish_tg_config_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tg-config -n "__fish_tg_config_needs_command" -s t -l token -d 'API key or JWT to authenticate with [default: the profile\'s token_file, else its saved session]' -r
complete -c tg-config -n "__fish_tg_config_needs_command" -l token-file -d 'Read the token from the first line of FILE (must be private: chmod 600)' -r -F
complete -c tg-config -n "__fish_tg_config_needs_command" -s w -l workspace -d 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile\'s workspace]' -r
complete -c tg-config -n "__fish_tg_config_needs_command" -s o -l output -d 'Output format (also of tg-config list)' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-config -n "__fish_tg_config_needs_command" -s u -l api-url -d 'Gateway base URL [default: the profile\'s url, else http://localhost:8888/]' -r
complete -c tg-config -n "__fish_tg_config_needs_command" -l timeout -d 'Give up on a request after SECS seconds [default: 30, or the profile\'s timeout]' -r
complete -c tg-config -n "__fish_tg_config_needs_command" -l ca-cert -d 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile\'s ca_cert]' -r -F
complete -c tg-config -n "__fish_tg_config_needs_command" -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-config -n "__fish_tg_config_needs_command" -l insecure -d 'Do not verify the gateway\'s TLS certificate (dangerous; warns)'
complete -c tg-config -n "__fish_tg_config_needs_command" -s v -l verbose -d 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
complete -c tg-config -n "__fish_tg_config_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-config -n "__fish_tg_config_needs_command" -s V -l version -d 'Print version'
complete -c tg-config -n "__fish_tg_config_needs_command" -f -a "set" -d 'Set a setting of the selected profile (--profile), creating the file or the profile if needed'
complete -c tg-config -n "__fish_tg_config_needs_command" -f -a "unset" -d 'Remove a setting from the selected profile'
complete -c tg-config -n "__fish_tg_config_needs_command" -f -a "use" -d 'Make PROFILE the default profile (default_profile)'
complete -c tg-config -n "__fish_tg_config_needs_command" -f -a "list" -d 'List every profile: its url and workspace, whether a session is saved and when it expires, and which profile is the default'
complete -c tg-config -n "__fish_tg_config_needs_command" -f -a "current" -d 'Print the selected profile\'s name (for shell prompts; reads only the config file, never the network)'
complete -c tg-config -n "__fish_tg_config_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tg-config -n "__fish_tg_config_using_subcommand set" -s o -l output -d 'Output format (also of tg-config list)' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-config -n "__fish_tg_config_using_subcommand set" -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-config -n "__fish_tg_config_using_subcommand set" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-config -n "__fish_tg_config_using_subcommand unset" -s o -l output -d 'Output format (also of tg-config list)' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-config -n "__fish_tg_config_using_subcommand unset" -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-config -n "__fish_tg_config_using_subcommand unset" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-config -n "__fish_tg_config_using_subcommand use" -s o -l output -d 'Output format (also of tg-config list)' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-config -n "__fish_tg_config_using_subcommand use" -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-config -n "__fish_tg_config_using_subcommand use" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-config -n "__fish_tg_config_using_subcommand list" -s o -l output -d 'Output format (also of tg-config list)' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-config -n "__fish_tg_config_using_subcommand list" -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-config -n "__fish_tg_config_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-config -n "__fish_tg_config_using_subcommand current" -s o -l output -d 'Output format (also of tg-config list)' -r -f -a "table\t'Human-readable table (the upstream tools\' output)'
json\t'The server\'s record(s) as JSON (arrays for lists)'"
complete -c tg-config -n "__fish_tg_config_using_subcommand current" -l profile -d 'Use this profile of the config file [default: the file\'s default_profile, else "default"]' -r
complete -c tg-config -n "__fish_tg_config_using_subcommand current" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-config -n "__fish_tg_config_using_subcommand help; and not __fish_seen_subcommand_from set unset use list current help" -f -a "set" -d 'Set a setting of the selected profile (--profile), creating the file or the profile if needed'
complete -c tg-config -n "__fish_tg_config_using_subcommand help; and not __fish_seen_subcommand_from set unset use list current help" -f -a "unset" -d 'Remove a setting from the selected profile'
complete -c tg-config -n "__fish_tg_config_using_subcommand help; and not __fish_seen_subcommand_from set unset use list current help" -f -a "use" -d 'Make PROFILE the default profile (default_profile)'
complete -c tg-config -n "__fish_tg_config_using_subcommand help; and not __fish_seen_subcommand_from set unset use list current help" -f -a "list" -d 'List every profile: its url and workspace, whether a session is saved and when it expires, and which profile is the default'
complete -c tg-config -n "__fish_tg_config_using_subcommand help; and not __fish_seen_subcommand_from set unset use list current help" -f -a "current" -d 'Print the selected profile\'s name (for shell prompts; reads only the config file, never the network)'
complete -c tg-config -n "__fish_tg_config_using_subcommand help; and not __fish_seen_subcommand_from set unset use list current help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
