
use builtin;
use str;

set edit:completion:arg-completer[tg-iam] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tg-iam'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tg-iam'= {
            cand --list 'Print the tools'' names, one per line'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand install-links 'Create a link named after each tool in DIR, pointing at this binary. Existing links to this binary are kept or replaced; any other file stops it before it changes anything.'
            cand completions 'Print the shell completions of every tool and of tg-iam, as one script to source (e.g. from ~/.bashrc: source <(tg-iam completions bash))'
            cand man 'Write every man page (each tool''s, tg-iam(1), tg-iam(7), tg-apply-manifest(5)) into DIR/man1, DIR/man5 and DIR/man7'
            cand tg-bootstrap-iam 'Bootstrap IAM on an empty deployment; prints the first admin''s API key'
            cand tg-login 'Log in with a username and password; prints the JWT'
            cand tg-mint-token 'Mint a JWT with a user context (admin); prints the JWT'
            cand tg-whoami 'Show the caller''s user record (id, username, workspace, roles, ...)'
            cand tg-create-user 'Create a user; prints the new user''s id'
            cand tg-list-users 'List users (of one workspace with -w): a table, or "No users."'
            cand tg-show-user 'Show one user''s record (by --user-id or --username)'
            cand tg-update-user 'Change a user''s name, email, roles, enabled or must-change-password'
            cand tg-disable-user 'Disable a user; prints "Disabled user ID"'
            cand tg-enable-user 'Enable a user; prints "Enabled user ID"'
            cand tg-delete-user 'Delete a user (asks on a terminal unless --yes); prints "Deleted user ID"'
            cand tg-change-password 'Change your own password; prints "Password changed."'
            cand tg-reset-password 'Reset a user''s password; prints the temporary password'
            cand tg-create-api-key 'Issue an API key for a user; prints the key'
            cand tg-list-api-keys 'List a user''s API keys: a table, or "No keys."'
            cand tg-revoke-api-key 'Revoke an API key, by id or by owner and name; prints "Revoked key ID"'
            cand tg-rotate-api-key 'Replace an API key with a new one of the same name and owner; prints the new key, then revokes the old'
            cand tg-credential-report 'Report every API key with its owner, age, expiry and findings, and users without keys (reads only)'
            cand tg-create-workspace 'Create a workspace; prints "Workspace created: ID"'
            cand tg-list-workspaces 'List all workspaces: a table, or "No workspaces."'
            cand tg-list-my-workspaces 'List the workspaces the caller may use'
            cand tg-show-workspace 'Show one workspace''s record'
            cand tg-update-workspace 'Change a workspace''s name or enabled flag, keeping what is not given'
            cand tg-disable-workspace 'Disable a workspace, its users and their API keys (asks, or --yes)'
            cand tg-enable-workspace 'Re-enable a workspace and announce it again (its users stay disabled)'
            cand tg-rotate-signing-key 'Rotate the JWT signing key (asks, or --yes); 2.11 gateways need a restart'
            cand tg-config 'Show effective settings and their sources; set, unset, list or choose profiles'
            cand tg-logout 'Remove a session saved by tg-login --save (--all: every profile)'
            cand tg-auth-status 'Show which credential is used and whether it works over HTTP and the socket'
            cand tg-apply 'Create or update workspaces, users and API keys from a manifest (TOML, YAML, JSON); idempotent; minted secrets as JSON lines'
            cand tg-export-iam 'Write the workspaces, users and API keys as a tg-apply manifest (YAML, TOML, JSON); never a secret; reads only'
        }
        &'tg-iam;install-links'= {
            cand --hard 'Create hard links instead of symbolic links (same file system only)'
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tg-iam;completions'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tg-iam;man'= {
            cand -h 'Print help'
            cand --help 'Print help'
        }
        &'tg-iam;tg-bootstrap-iam'= {
        }
        &'tg-iam;tg-login'= {
        }
        &'tg-iam;tg-mint-token'= {
        }
        &'tg-iam;tg-whoami'= {
        }
        &'tg-iam;tg-create-user'= {
        }
        &'tg-iam;tg-list-users'= {
        }
        &'tg-iam;tg-show-user'= {
        }
        &'tg-iam;tg-update-user'= {
        }
        &'tg-iam;tg-disable-user'= {
        }
        &'tg-iam;tg-enable-user'= {
        }
        &'tg-iam;tg-delete-user'= {
        }
        &'tg-iam;tg-change-password'= {
        }
        &'tg-iam;tg-reset-password'= {
        }
        &'tg-iam;tg-create-api-key'= {
        }
        &'tg-iam;tg-list-api-keys'= {
        }
        &'tg-iam;tg-revoke-api-key'= {
        }
        &'tg-iam;tg-rotate-api-key'= {
        }
        &'tg-iam;tg-credential-report'= {
        }
        &'tg-iam;tg-create-workspace'= {
        }
        &'tg-iam;tg-list-workspaces'= {
        }
        &'tg-iam;tg-list-my-workspaces'= {
        }
        &'tg-iam;tg-show-workspace'= {
        }
        &'tg-iam;tg-update-workspace'= {
        }
        &'tg-iam;tg-disable-workspace'= {
        }
        &'tg-iam;tg-enable-workspace'= {
        }
        &'tg-iam;tg-rotate-signing-key'= {
        }
        &'tg-iam;tg-config'= {
        }
        &'tg-iam;tg-logout'= {
        }
        &'tg-iam;tg-auth-status'= {
        }
        &'tg-iam;tg-apply'= {
        }
        &'tg-iam;tg-export-iam'= {
        }
    ]
    $completions[$command]
}
