
use builtin;
use str;

set edit:completion:arg-completer[tg-config] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tg-config'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tg-config'= {
            cand -t 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token 'API key or JWT to authenticate with [default: the profile''s token_file, else its saved session]'
            cand --token-file 'Read the token from the first line of FILE (must be private: chmod 600)'
            cand -w 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile''s workspace]'
            cand --workspace 'Workspace to act in (a filter or integrity check; sent only when set) [default: the profile''s workspace]'
            cand -o 'Output format (also of tg-config list)'
            cand --output 'Output format (also of tg-config list)'
            cand -u 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --api-url 'Gateway base URL [default: the profile''s url, else http://localhost:8888/]'
            cand --timeout 'Give up on a request after SECS seconds [default: 30, or the profile''s timeout]'
            cand --ca-cert 'Trust the CA certificate(s) in this PEM file (for a private CA) [default: the profile''s ca_cert]'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand --insecure 'Do not verify the gateway''s TLS certificate (dangerous; warns)'
            cand -v 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
            cand --verbose 'Trace each request and reply on stderr, every redirect hop included (secrets masked)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand set 'Set a setting of the selected profile (--profile), creating the file or the profile if needed'
            cand unset 'Remove a setting from the selected profile'
            cand use 'Make PROFILE the default profile (default_profile)'
            cand list 'List every profile: its url and workspace, whether a session is saved and when it expires, and which profile is the default'
            cand current 'Print the selected profile''s name (for shell prompts; reads only the config file, never the network)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tg-config;set'= {
            cand -o 'Output format (also of tg-config list)'
            cand --output 'Output format (also of tg-config list)'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tg-config;unset'= {
            cand -o 'Output format (also of tg-config list)'
            cand --output 'Output format (also of tg-config list)'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tg-config;use'= {
            cand -o 'Output format (also of tg-config list)'
            cand --output 'Output format (also of tg-config list)'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tg-config;list'= {
            cand -o 'Output format (also of tg-config list)'
            cand --output 'Output format (also of tg-config list)'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tg-config;current'= {
            cand -o 'Output format (also of tg-config list)'
            cand --output 'Output format (also of tg-config list)'
            cand --profile 'Use this profile of the config file [default: the file''s default_profile, else "default"]'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'tg-config;help'= {
            cand set 'Set a setting of the selected profile (--profile), creating the file or the profile if needed'
            cand unset 'Remove a setting from the selected profile'
            cand use 'Make PROFILE the default profile (default_profile)'
            cand list 'List every profile: its url and workspace, whether a session is saved and when it expires, and which profile is the default'
            cand current 'Print the selected profile''s name (for shell prompts; reads only the config file, never the network)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tg-config;help;set'= {
        }
        &'tg-config;help;unset'= {
        }
        &'tg-config;help;use'= {
        }
        &'tg-config;help;list'= {
        }
        &'tg-config;help;current'= {
        }
        &'tg-config;help;help'= {
        }
    ]
    $completions[$command]
}
