# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tg_iam_global_optspecs
    string join \n list h/help V/version
end

function __fish_tg_iam_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tg_iam_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tg_iam_using_subcommand
    set -l cmd (__fish_tg_iam_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tg-iam -n "__fish_tg_iam_needs_command" -l list -d 'Print the tools\' names, one per line'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -s V -l version -d 'Print version'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "install-links" -d 'Create a link named after each tool in DIR, pointing at this binary. Existing links to this binary are kept or replaced; any other file stops it before it changes anything.'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "completions" -d 'Print the shell completions of every tool and of tg-iam, as one script to source (e.g. from ~/.bashrc: source <(tg-iam completions bash))'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "man" -d 'Write every man page (each tool\'s, tg-iam(1), tg-iam(7), tg-apply-manifest(5)) into DIR/man1, DIR/man5 and DIR/man7'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-bootstrap-iam" -d 'Bootstrap IAM on an empty deployment; prints the first admin\'s API key'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-login" -d 'Log in with a username and password; prints the JWT'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-mint-token" -d 'Mint a JWT with a user context (admin); prints the JWT'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-whoami" -d 'Show the caller\'s user record (id, username, workspace, roles, ...)'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-create-user" -d 'Create a user; prints the new user\'s id'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-list-users" -d 'List users (of one workspace with -w): a table, or "No users."'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-show-user" -d 'Show one user\'s record (by --user-id or --username)'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-update-user" -d 'Change a user\'s name, email, roles, enabled or must-change-password'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-disable-user" -d 'Disable a user; prints "Disabled user ID"'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-enable-user" -d 'Enable a user; prints "Enabled user ID"'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-delete-user" -d 'Delete a user (asks on a terminal unless --yes); prints "Deleted user ID"'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-change-password" -d 'Change your own password; prints "Password changed."'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-reset-password" -d 'Reset a user\'s password; prints the temporary password'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-create-api-key" -d 'Issue an API key for a user; prints the key'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-list-api-keys" -d 'List a user\'s API keys: a table, or "No keys."'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-revoke-api-key" -d 'Revoke an API key, by id or by owner and name; prints "Revoked key ID"'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-rotate-api-key" -d 'Replace an API key with a new one of the same name and owner; prints the new key, then revokes the old'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-credential-report" -d 'Report every API key with its owner, age, expiry and findings, and users without keys (reads only)'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-create-workspace" -d 'Create a workspace; prints "Workspace created: ID"'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-list-workspaces" -d 'List all workspaces: a table, or "No workspaces."'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-list-my-workspaces" -d 'List the workspaces the caller may use'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-show-workspace" -d 'Show one workspace\'s record'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-update-workspace" -d 'Change a workspace\'s name or enabled flag, keeping what is not given'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-disable-workspace" -d 'Disable a workspace, its users and their API keys (asks, or --yes)'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-enable-workspace" -d 'Re-enable a workspace and announce it again (its users stay disabled)'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-rotate-signing-key" -d 'Rotate the JWT signing key (asks, or --yes); 2.11 gateways need a restart'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-config" -d 'Show effective settings and their sources; set, unset, list or choose profiles'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-logout" -d 'Remove a session saved by tg-login --save (--all: every profile)'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-auth-status" -d 'Show which credential is used and whether it works over HTTP and the socket'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-apply" -d 'Create or update workspaces, users and API keys from a manifest (TOML, YAML, JSON); idempotent; minted secrets as JSON lines'
complete -c tg-iam -n "__fish_tg_iam_needs_command" -f -a "tg-export-iam" -d 'Write the workspaces, users and API keys as a tg-apply manifest (YAML, TOML, JSON); never a secret; reads only'
complete -c tg-iam -n "__fish_tg_iam_using_subcommand install-links" -l hard -d 'Create hard links instead of symbolic links (same file system only)'
complete -c tg-iam -n "__fish_tg_iam_using_subcommand install-links" -s h -l help -d 'Print help'
complete -c tg-iam -n "__fish_tg_iam_using_subcommand completions" -s h -l help -d 'Print help'
complete -c tg-iam -n "__fish_tg_iam_using_subcommand man" -s h -l help -d 'Print help'
