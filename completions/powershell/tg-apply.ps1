
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tg-apply' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tg-apply'
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
        'tg-apply' {
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]')
            [CompletionResult]::new('--token', '--token', [CompletionResultType]::ParameterName, 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Read the token from the first line of FILE (must be private: chmod 600)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'The manifest: a .toml, .yaml/.yml or .json file, or - for standard input (with --format)')
            [CompletionResult]::new('--file', '--file', [CompletionResultType]::ParameterName, 'The manifest: a .toml, .yaml/.yml or .json file, or - for standard input (with --format)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'The manifest''s format [default: from the file''s extension]')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Run up to N independent steps at once')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Run up to N independent steps at once')
            [CompletionResult]::new('--secrets-out', '--secrets-out', [CompletionResultType]::ParameterName, 'Write minted secrets to FILE (a new file, mode 0600, created when the first secret is minted; an existing file is never overwritten) instead of stdout; - is stdout')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [default: the file''s default_profile, else "default"]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the plan and change nothing')
            [CompletionResult]::new('--check', '--check', [CompletionResultType]::ParameterName, 'Print the plan, change nothing, and exit 8 when it has changes (0 when the gateway holds what the manifest describes): a drift check for CI; with --prune, what --prune would remove counts too')
            [CompletionResult]::new('--prune', '--prune', [CompletionResultType]::ParameterName, 'Disable users and revoke API keys the manifest does not list (never the caller''s own user, the key in use or the last enabled admin; nothing is deleted)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Apply a plan that takes something away (a role, an enabled user or workspace, an API key) without asking; needed without a terminal')
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
