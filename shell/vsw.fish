# vsw shell integration for fish 3.5+. Load it from ~/.config/fish/config.fish with the line that
# `vsw init fish` prints. Sourcing only defines functions: it starts no process.
#
# All logic and all escaping live in the vsw binary; this file only evals what `vsw env` and
# `vsw off` print, after checking that they succeeded. See docs/shell.md.

# vsw PROFILE [flags]   switch this shell (vsw env PROFILE --shell fish, evaluated)
# vsw use PROFILE       switch, even to a profile named like a command
# vsw off               remove every variable the switch set
# vsw                   pick a profile on the terminal, then switch
# vsw COMMAND …         anything else runs the binary unchanged
function vsw --description 'Switch this shell to an AWS profile (vsw)'
    switch "$argv[1]"
        case ''
            __vsw_pick
        case use
            set -e argv[1]
            __vsw_switch $argv
        case off
            set -e argv[1]
            __vsw_eval off --shell fish $argv
            # The binary's commands, written by scripts/build.mjs from src/cli/complete-specs.ts.
        case '-*' env export exec plan list ls add remove rm clear lock keystore import mfa init pick plugins sandbox __complete sso login rotate
            command vsw $argv
        case '*'
            __vsw_switch $argv
    end
end

function __vsw_switch
    __vsw_eval env --shell fish $argv
end

# Runs `vsw ARGS…`, and evals its output only when it exited 0 and is switch code: a failed switch
# (wrong MFA code, unknown profile) leaves every variable as it was. Anything else it printed
# (`--help`) is shown, never evaluated. `string collect` keeps the output one string, newlines
# inside values included.
function __vsw_eval
    set -l __vsw_code (command vsw $argv | string collect)
    set -l __vsw_status $pipestatus[1]
    test $__vsw_status -eq 0; or return $__vsw_status
    if string match -q -- 'set -e -g AWS_ACCESS_KEY_ID *' "$__vsw_code"
        eval $__vsw_code
    else if test -n "$__vsw_code"
        printf '%s\n' $__vsw_code
    end
    return 0
end

# `vsw` alone: the picker draws on /dev/tty; stdout carries the name, exactly (a name's own
# trailing newlines included, hence --no-trim-newlines).
function __vsw_pick
    set -l __vsw_name (command vsw pick | string collect --no-trim-newlines)
    set -l __vsw_status $pipestatus[1]
    test $__vsw_status -eq 0; or return $__vsw_status
    __vsw_switch "$__vsw_name"
end

# The current epoch second without a process: fish has no clock builtin, but a file's mtime plus
# its age (`path mtime --relative`) is now. Before fish 3.5 (no `path`), `date` is forked.
function __vsw_now
    if builtin -q path
        math (path mtime /) + (path mtime --relative /)
    else
        date +%s
    end
end

# vsw_prompt: the active profile, account and time left, e.g. `prod 333333333333 42m`, green,
# yellow under 15 minutes, red and `expired` after; empty with no vsw session. Reads only variables
# and runs only builtins: no process is forked. For fish_prompt / fish_right_prompt:
#   function fish_right_prompt; vsw_prompt; end
# With -v NAME it prints nothing and stores the same text in the global NAME, and the colour's name
# (green, yellow, red) in NAME_color.
# VSW_PROMPT_FORMAT: %p profile, %a account, %r region, %t time left, %% a percent sign (default
# `%p %a %t`). NO_COLOR (any value) turns colours off.
function vsw_prompt --description 'The active vsw session: profile, account, time left'
    set -l __vsw_var
    if test "$argv[1]" = -v
        string match -qr '^[A-Za-z_][A-Za-z0-9_]*$' -- "$argv[2]"; or return 2
        set __vsw_var $argv[2]
        set -g $__vsw_var ''
        set -g {$__vsw_var}_color ''
    end
    test -n "$VSW_PROFILE"; or return 0
    set -l __vsw_time ''
    set -l __vsw_color 32
    if string match -qr '^[0-9]{1,12}$' -- "$VSW_EXPIRATION"
        set -l __vsw_left (math $VSW_EXPIRATION - (__vsw_now))
        if test $__vsw_left -le 0
            set __vsw_time expired
            set __vsw_color 31
        else
            test $__vsw_left -lt 900; and set __vsw_color 33
            if test $__vsw_left -ge 3600
                set __vsw_time (printf '%dh%02dm' (math "floor($__vsw_left / 3600)") (math "floor($__vsw_left % 3600 / 60)"))
            else
                set __vsw_time (math "floor($__vsw_left / 60)")m
            end
        end
    end
    set -l __vsw_fmt "$VSW_PROMPT_FORMAT"
    test -n "$__vsw_fmt"; or set __vsw_fmt '%p %a %t'
    set -l __vsw_chars (string split '' -- $__vsw_fmt)
    set -l __vsw_out ''
    set -l __vsw_i 1
    set -l __vsw_value
    while test $__vsw_i -le (count $__vsw_chars)
        if test "$__vsw_chars[$__vsw_i]" = %
            set __vsw_i (math $__vsw_i + 1)
            switch "$__vsw_chars[$__vsw_i]"
                case p
                    set __vsw_value "$VSW_PROFILE"
                case a
                    set __vsw_value "$VSW_ACCOUNT_ID"
                case r
                    set __vsw_value "$VSW_REGION"
                case t
                    set __vsw_value "$__vsw_time"
                case %
                    set __vsw_value %
                case '*'
                    set __vsw_value "%$__vsw_chars[$__vsw_i]"
            end
            # An empty value takes one following space with it: `prod  42m` would look like a glitch.
            set -l __vsw_next (math $__vsw_i + 1)
            if test -z "$__vsw_value"; and string match -qr '(^| )$' -- "$__vsw_out"
                and test "$__vsw_chars[$__vsw_next]" = ' '
                set __vsw_i $__vsw_next
            end
            set __vsw_out "$__vsw_out$__vsw_value"
        else
            set __vsw_out "$__vsw_out$__vsw_chars[$__vsw_i]"
        end
        set __vsw_i (math $__vsw_i + 1)
    end
    set __vsw_out (string replace -r ' +$' '' -- "$__vsw_out")
    # A profile name is config text: its control characters (ESC …) must not reach the terminal.
    set __vsw_out (string replace -ra '[\x{00}-\x{1f}\x{7f}-\x{9f}]' '?' -- "$__vsw_out")
    test -n "$NO_COLOR"; or set __vsw_out (printf '\e[%sm%s\e[0m' $__vsw_color "$__vsw_out")
    if test -n "$__vsw_var"
        switch $__vsw_color
            case 31
                set -g {$__vsw_var}_color red
            case 33
                set -g {$__vsw_var}_color yellow
            case '*'
                set -g {$__vsw_var}_color green
        end
        set -g $__vsw_var "$__vsw_out"
    else
        printf '%s' "$__vsw_out"
    end
end

# Auto-refresh (VSW_AUTO_REFRESH=1): before a command runs (fish_preexec), a session with less
# than VSW_REFRESH_MINUTES (default 5) left is switched again, quietly. It runs with
# VSW_NO_PROMPT=1 and without a controlling terminal (setsid, where present), so it can never
# prompt: when a new session needs an MFA code or the keystore passphrase, it fails silently and the
# prompt turns yellow, then red. One try per session.
function __vsw_auto_refresh --on-event fish_preexec
    test "$VSW_AUTO_REFRESH" = 1; and test -n "$VSW_PROFILE"; or return 0
    set -l __vsw_minutes "$VSW_REFRESH_MINUTES"
    test -n "$__vsw_minutes"; or set __vsw_minutes 5
    string match -qr '^[0-9]{1,12}$' -- "$VSW_EXPIRATION"; or return 0
    string match -qr '^[0-9]{1,6}$' -- "$__vsw_minutes"; or return 0
    test "$__vsw_refresh_tried" != "$VSW_PROFILE/$VSW_EXPIRATION"; or return 0
    test (math $VSW_EXPIRATION - (__vsw_now)) -lt (math $__vsw_minutes \* 60); or return 0
    set -g __vsw_refresh_tried "$VSW_PROFILE/$VSW_EXPIRATION"
    # --min-remaining: a cached session with less than the margin left is minted anew.
    set -l __vsw_flags --min-remaining (math "max($__vsw_minutes, 1)")m
    test -n "$VSW_REGION"; and set -a __vsw_flags --region "$VSW_REGION"
    # VSW_NO_PROMPT=1 makes vsw itself never prompt; setsid (where there is one) also keeps an
    # mfa_process or credential_process from opening the terminal on its own.
    set -l __vsw_code
    set -l __vsw_ok 1
    if command -q setsid
        set __vsw_code (VSW_NO_PROMPT=1 setsid -w vsw env --shell fish "$VSW_PROFILE" $__vsw_flags </dev/null 2>/dev/null | string collect)
        set __vsw_ok $pipestatus[1]
    else
        set __vsw_code (VSW_NO_PROMPT=1 command vsw env --shell fish "$VSW_PROFILE" $__vsw_flags </dev/null 2>/dev/null | string collect)
        set __vsw_ok $pipestatus[1]
    end
    test $__vsw_ok -eq 0; or return 0
    string match -q -- 'set -e -g AWS_ACCESS_KEY_ID *' "$__vsw_code"; and eval $__vsw_code
    # A session still within the margin (VSW_REFRESH_MINUTES longer than the role allows) is not
    # tried again before every command.
    if string match -qr '^[0-9]{1,12}$' -- "$VSW_EXPIRATION"
        and test (math $VSW_EXPIRATION - (__vsw_now)) -lt (math $__vsw_minutes \* 60)
        set -g __vsw_refresh_tried "$VSW_PROFILE/$VSW_EXPIRATION"
    end
    return 0
end

# Completion: `vsw __complete -- WORD…` answers (protocol in src/cli/commands/complete.ts).
function __vsw_complete
    set -l __vsw_words (commandline -opc)
    set -e __vsw_words[1]
    set -l __vsw_cur (commandline -ct)
    set -l __vsw_plain (string unescape -- $__vsw_cur)
    and set __vsw_cur $__vsw_plain
    set -l __vsw_lines (command vsw __complete -- $__vsw_words "$__vsw_cur" 2>/dev/null)
    switch "$__vsw_lines[1]"
        case :default
            __fish_complete_path (commandline -ct)
        case :words
            set -e __vsw_lines[1]
            printf '%s\n' $__vsw_lines
    end
end

complete -c vsw -e
complete -c vsw -f -a '(__vsw_complete)'
