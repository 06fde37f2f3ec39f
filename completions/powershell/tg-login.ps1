
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tg-login' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tg-login'
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
        'tg-login' {
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username')
            [CompletionResult]::new('--password', '--password', [CompletionResultType]::ParameterName, 'Password (prompted if omitted; visible in `ps`, prefer --password-stdin)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Override the default workspace for this session''s JWT. If omitted, uses the user''s stored default workspace')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Override the default workspace for this session''s JWT. If omitted, uses the user''s stored default workspace')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [default: the file''s default_profile, else "default"]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password from the first line of standard input')
            [CompletionResult]::new('--save', '--save', [CompletionResultType]::ParameterName, 'Save the session for the selected profile (--profile) in the credentials file beside the config file, instead of printing the JWT; later tools use it when no token is given')
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
