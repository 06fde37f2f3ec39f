
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tg-export-iam' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tg-export-iam'
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
        'tg-export-iam' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the token from the first line of FILE (must be private: chmod 600)')
            [CompletionResult]::new('-w', '-w', [CompletionResultType]::ParameterName, 'Only this workspace, the users whose home it is, and their keys (repeatable) [default: every workspace]')
            [CompletionResult]::new('--workspace', '--workspace', [CompletionResultType]::ParameterName, 'Only this workspace, the users whose home it is, and their keys (repeatable) [default: every workspace]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The manifest''s format')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Read up to N users'' keys at once')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Read up to N users'' keys at once')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [default: the file''s default_profile, else "default"]')
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
