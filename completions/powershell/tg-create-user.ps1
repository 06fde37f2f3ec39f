
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tg-create-user' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tg-create-user'
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
        'tg-create-user' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the token from the first line of FILE (must be private: chmod 600)')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username (globally unique)')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password (prompted twice if omitted; visible in `ps`, prefer --password-stdin)')
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'Display name')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'Email')
            [CompletionResult]::new('--roles', '--roles', [CompletionResultType]::ParameterName, 'One or more role names: reader, writer, admin')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Default (home) workspace for the new user')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Default (home) workspace for the new user')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [default: the file''s default_profile, else "default"]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--strict-roles', '--strict-roles', [CompletionResultType]::ParameterName, 'Refuse a role other than reader, writer and admin (without it: a warning, and the role is sent)')
            [CompletionResult]::new('--must-change-password', '--must-change-password', [CompletionResultType]::ParameterName, 'Force password change on next login')
            [CompletionResult]::new('--exists-ok', '--exists-ok', [CompletionResultType]::ParameterName, 'If the username is taken, print that user''s id and exit 0 (a warning says how it differs from what was asked)')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'With --exists-ok: exit 1 when the existing user differs from what was asked (workspace, roles, name, email, enabled)')
            [CompletionResult]::new('--insecure', '--insecure', [CompletionResultType]::ParameterName, 'Do not verify the gateway''s TLS certificate (dangerous; warns)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Trace each request and reply on stderr, every redirect hop included (secrets masked)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Trace each request and reply on stderr, every redirect hop included (secrets masked)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
