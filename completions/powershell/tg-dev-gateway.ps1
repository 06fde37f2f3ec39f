
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tg-dev-gateway' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tg-dev-gateway'
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
        'tg-dev-gateway' {
            [CompletionResult]::new('--bootstrap-mode', '--bootstrap-mode', [CompletionResultType]::ParameterName, 'How the first admin comes to exist (required)')
            [CompletionResult]::new('--bootstrap-token', '--bootstrap-token', [CompletionResultType]::ParameterName, 'The admin''s API key in token mode (must start with tg_)')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on (port 0 picks a free one; TrustGraph gateways listen on 8888 since August 2026, on 8088 before)')
            [CompletionResult]::new('--compat', '--compat', [CompletionResultType]::ParameterName, 'Behave like a TrustGraph 2.11 gateway')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Keep state in FILE (SQLite; a JSON state is migrated); every change is on disk before it is acknowledged; one gateway per FILE')
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'Record every IAM request in FILE, one JSON object per line (- for stderr); created 0600 (the format is at the end of --help)')
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'What to log on stderr (more at the end of --help)')
            [CompletionResult]::new('--jwt-ttl', '--jwt-ttl', [CompletionResultType]::ParameterName, 'JWT lifetime in seconds (1 to 2592000, 30 days)')
            [CompletionResult]::new('--rotation-grace', '--rotation-grace', [CompletionResultType]::ParameterName, 'How long JWTs signed with a rotated-out key stay valid, in seconds (0 to 2592000, 30 days)')
            [CompletionResult]::new('--header-read-timeout', '--header-read-timeout', [CompletionResultType]::ParameterName, 'Close a connection whose request head has not arrived within SECS (also how long an idle keep-alive connection stays open)')
            [CompletionResult]::new('--body-read-timeout', '--body-read-timeout', [CompletionResultType]::ParameterName, 'Answer 408 when a request body has not arrived within SECS')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close a connection (WebSockets included) on which nothing has moved for SECS')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Serve at most N connections at once [default: 1024, or fewer if the file-descriptor limit requires]')
            [CompletionResult]::new('--insecure-fast-hashing', '--insecure-fast-hashing', [CompletionResultType]::ParameterName, 'Hash passwords with 1,000 PBKDF2 iterations instead of 600,000 (tests only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run CMD against a throw-away gateway, then stop it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print tg-dev-gateway''s shell completions (e.g. from ~/.bashrc: source <(tg-dev-gateway completions bash))')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man page tg-dev-gateway(1) into DIR/man1 (DIR is created if needed; e.g. ~/.local/share/man)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tg-dev-gateway;exec' {
            [CompletionResult]::new('--compat', '--compat', [CompletionResultType]::ParameterName, 'Behave like a TrustGraph 2.11 gateway')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'Keep state in FILE (SQLite; a JSON state is migrated); every change is on disk before it is acknowledged; one gateway per FILE')
            [CompletionResult]::new('--audit-log', '--audit-log', [CompletionResultType]::ParameterName, 'Record every IAM request in FILE, one JSON object per line (- for stderr); created 0600 (the format is at the end of --help)')
            [CompletionResult]::new('--log', '--log', [CompletionResultType]::ParameterName, 'What to log on stderr (more at the end of --help)')
            [CompletionResult]::new('--jwt-ttl', '--jwt-ttl', [CompletionResultType]::ParameterName, 'JWT lifetime in seconds (1 to 2592000, 30 days)')
            [CompletionResult]::new('--rotation-grace', '--rotation-grace', [CompletionResultType]::ParameterName, 'How long JWTs signed with a rotated-out key stay valid, in seconds (0 to 2592000, 30 days)')
            [CompletionResult]::new('--header-read-timeout', '--header-read-timeout', [CompletionResultType]::ParameterName, 'Close a connection whose request head has not arrived within SECS (also how long an idle keep-alive connection stays open)')
            [CompletionResult]::new('--body-read-timeout', '--body-read-timeout', [CompletionResultType]::ParameterName, 'Answer 408 when a request body has not arrived within SECS')
            [CompletionResult]::new('--idle-timeout', '--idle-timeout', [CompletionResultType]::ParameterName, 'Close a connection (WebSockets included) on which nothing has moved for SECS')
            [CompletionResult]::new('--max-connections', '--max-connections', [CompletionResultType]::ParameterName, 'Serve at most N connections at once [default: 1024, or fewer if the file-descriptor limit requires]')
            [CompletionResult]::new('--keep-env', '--keep-env', [CompletionResultType]::ParameterName, 'Pass the caller''s variable NAME on to the command (a TRUSTGRAPH_* or IAM_* one, which exec otherwise removes); repeatable')
            [CompletionResult]::new('--insecure-fast-hashing', '--insecure-fast-hashing', [CompletionResultType]::ParameterName, 'Hash passwords with 1,000 PBKDF2 iterations instead of 600,000 (tests only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say on stderr which variables were removed from the command''s environment (names only)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say on stderr which variables were removed from the command''s environment (names only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'tg-dev-gateway;completions' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tg-dev-gateway;man' {
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'tg-dev-gateway;help' {
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run CMD against a throw-away gateway, then stop it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print tg-dev-gateway''s shell completions (e.g. from ~/.bashrc: source <(tg-dev-gateway completions bash))')
            [CompletionResult]::new('man', 'man', [CompletionResultType]::ParameterValue, 'Write the man page tg-dev-gateway(1) into DIR/man1 (DIR is created if needed; e.g. ~/.local/share/man)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tg-dev-gateway;help;exec' {
            break
        }
        'tg-dev-gateway;help;completions' {
            break
        }
        'tg-dev-gateway;help;man' {
            break
        }
        'tg-dev-gateway;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
