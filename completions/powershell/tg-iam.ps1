
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tg-iam' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tg-iam'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tg-iam' {
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'Print the tools'' names, one per line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('install-links', 'install-links', [CompletionResultType]::ParameterValue, 'Create a link named after each tool in DIR, pointing at this binary. Existing links to this binary are kept or replaced; any other file stops it before it changes anything.')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print the shell completions of every tool and of tg-iam, as one script to source (e.g. from ~/.bashrc: source <(tg-iam completions bash))')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write every man page (each tool''s, tg-iam(1), tg-iam(7), tg-apply-manifest(5)) into DIR/man1, DIR/man5 and DIR/man7')
            [CompletionResult]::new('tg-bootstrap-iam', 'tg-bootstrap-iam', [CompletionResultType]::ParameterValue, 'Bootstrap IAM on an empty deployment; prints the first admin''s API key')
            [CompletionResult]::new('tg-login', 'tg-login', [CompletionResultType]::ParameterValue, 'Log in with a username and password; prints the JWT')
            [CompletionResult]::new('tg-mint-token', 'tg-mint-token', [CompletionResultType]::ParameterValue, 'Mint a JWT with a user context (admin); prints the JWT')
            [CompletionResult]::new('tg-whoami', 'tg-whoami', [CompletionResultType]::ParameterValue, 'Show the caller''s user record (id, username, workspace, roles, ...)')
            [CompletionResult]::new('tg-create-user', 'tg-create-user', [CompletionResultType]::ParameterValue, 'Create a user; prints the new user''s id')
            [CompletionResult]::new('tg-list-users', 'tg-list-users', [CompletionResultType]::ParameterValue, 'List users (of one workspace with -w): a table, or "No users."')
            [CompletionResult]::new('tg-show-user', 'tg-show-user', [CompletionResultType]::ParameterValue, 'Show one user''s record (by --user-id or --username)')
            [CompletionResult]::new('tg-update-user', 'tg-update-user', [CompletionResultType]::ParameterValue, 'Change a user''s name, email, roles, enabled or must-change-password')
            [CompletionResult]::new('tg-disable-user', 'tg-disable-user', [CompletionResultType]::ParameterValue, 'Disable a user; prints "Disabled user ID"')
            [CompletionResult]::new('tg-enable-user', 'tg-enable-user', [CompletionResultType]::ParameterValue, 'Enable a user; prints "Enabled user ID"')
            [CompletionResult]::new('tg-delete-user', 'tg-delete-user', [CompletionResultType]::ParameterValue, 'Delete a user (asks on a terminal unless --yes); prints "Deleted user ID"')
            [CompletionResult]::new('tg-change-password', 'tg-change-password', [CompletionResultType]::ParameterValue, 'Change your own password; prints "Password changed."')
            [CompletionResult]::new('tg-reset-password', 'tg-reset-password', [CompletionResultType]::ParameterValue, 'Reset a user''s password; prints the temporary password')
            [CompletionResult]::new('tg-create-api-key', 'tg-create-api-key', [CompletionResultType]::ParameterValue, 'Issue an API key for a user; prints the key')
            [CompletionResult]::new('tg-list-api-keys', 'tg-list-api-keys', [CompletionResultType]::ParameterValue, 'List a user''s API keys: a table, or "No keys."')
            [CompletionResult]::new('tg-revoke-api-key', 'tg-revoke-api-key', [CompletionResultType]::ParameterValue, 'Revoke an API key, by id or by owner and name; prints "Revoked key ID"')
            [CompletionResult]::new('tg-rotate-api-key', 'tg-rotate-api-key', [CompletionResultType]::ParameterValue, 'Replace an API key with a new one of the same name and owner; prints the new key, then revokes the old')
            [CompletionResult]::new('tg-credential-report', 'tg-credential-report', [CompletionResultType]::ParameterValue, 'Report every API key with its owner, age, expiry and findings, and users without keys (reads only)')
            [CompletionResult]::new('tg-create-workspace', 'tg-create-workspace', [CompletionResultType]::ParameterValue, 'Create a workspace; prints "Workspace created: ID"')
            [CompletionResult]::new('tg-list-workspaces', 'tg-list-workspaces', [CompletionResultType]::ParameterValue, 'List all workspaces: a table, or "No workspaces."')
            [CompletionResult]::new('tg-list-my-workspaces', 'tg-list-my-workspaces', [CompletionResultType]::ParameterValue, 'List the workspaces the caller may use')
            [CompletionResult]::new('tg-show-workspace', 'tg-show-workspace', [CompletionResultType]::ParameterValue, 'Show one workspace''s record')
            [CompletionResult]::new('tg-update-workspace', 'tg-update-workspace', [CompletionResultType]::ParameterValue, 'Change a workspace''s name or enabled flag, keeping what is not given')
            [CompletionResult]::new('tg-disable-workspace', 'tg-disable-workspace', [CompletionResultType]::ParameterValue, 'Disable a workspace, its users and their API keys (asks, or --yes)')
            [CompletionResult]::new('tg-enable-workspace', 'tg-enable-workspace', [CompletionResultType]::ParameterValue, 'Re-enable a workspace and announce it again (its users stay disabled)')
            [CompletionResult]::new('tg-rotate-signing-key', 'tg-rotate-signing-key', [CompletionResultType]::ParameterValue, 'Rotate the JWT signing key (asks, or --yes); 2.11 gateways need a restart')
            [CompletionResult]::new('tg-config', 'tg-config', [CompletionResultType]::ParameterValue, 'Show effective settings and their sources; set, unset, list or choose profiles')
            [CompletionResult]::new('tg-logout', 'tg-logout', [CompletionResultType]::ParameterValue, 'Remove a session saved by tg-login --save (--all: every profile)')
            [CompletionResult]::new('tg-auth-status', 'tg-auth-status', [CompletionResultType]::ParameterValue, 'Show which credential is used and whether it works over HTTP and the socket')
            [CompletionResult]::new('tg-apply', 'tg-apply', [CompletionResultType]::ParameterValue, 'Create or update workspaces, users and API keys from a manifest (TOML, YAML, JSON); idempotent; minted secrets as JSON lines')
            [CompletionResult]::new('tg-export-iam', 'tg-export-iam', [CompletionResultType]::ParameterValue, 'Write the workspaces, users and API keys as a tg-apply manifest (YAML, TOML, JSON); never a secret; reads only')
            break
        }
        'tg-iam;install-links' {
            [CompletionResult]::new('--hard', '--hard', [CompletionResultType]::ParameterName, 'Create hard links instead of symbolic links (same file system only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tg-iam;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tg-iam;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tg-iam;tg-bootstrap-iam' {
            break
        }
        'tg-iam;tg-login' {
            break
        }
        'tg-iam;tg-mint-token' {
            break
        }
        'tg-iam;tg-whoami' {
            break
        }
        'tg-iam;tg-create-user' {
            break
        }
        'tg-iam;tg-list-users' {
            break
        }
        'tg-iam;tg-show-user' {
            break
        }
        'tg-iam;tg-update-user' {
            break
        }
        'tg-iam;tg-disable-user' {
            break
        }
        'tg-iam;tg-enable-user' {
            break
        }
        'tg-iam;tg-delete-user' {
            break
        }
        'tg-iam;tg-change-password' {
            break
        }
        'tg-iam;tg-reset-password' {
            break
        }
        'tg-iam;tg-create-api-key' {
            break
        }
        'tg-iam;tg-list-api-keys' {
            break
        }
        'tg-iam;tg-revoke-api-key' {
            break
        }
        'tg-iam;tg-rotate-api-key' {
            break
        }
        'tg-iam;tg-credential-report' {
            break
        }
        'tg-iam;tg-create-workspace' {
            break
        }
        'tg-iam;tg-list-workspaces' {
            break
        }
        'tg-iam;tg-list-my-workspaces' {
            break
        }
        'tg-iam;tg-show-workspace' {
            break
        }
        'tg-iam;tg-update-workspace' {
            break
        }
        'tg-iam;tg-disable-workspace' {
            break
        }
        'tg-iam;tg-enable-workspace' {
            break
        }
        'tg-iam;tg-rotate-signing-key' {
            break
        }
        'tg-iam;tg-config' {
            break
        }
        'tg-iam;tg-logout' {
            break
        }
        'tg-iam;tg-auth-status' {
            break
        }
        'tg-iam;tg-apply' {
            break
        }
        'tg-iam;tg-export-iam' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
