# vsw shell integration for bash 4.4+ (5.0+ for a fork-free prompt). Load it from ~/.bashrc with
# the line that `vsw init bash` prints. Sourcing only defines functions: it starts no process.
#
# All logic and all escaping live in the vsw binary; this file only evals what `vsw env` and
# `vsw off` print, after checking that they succeeded. See docs/shell.md.

# An alias named vsw (another tool's, or an old one) would be expanded in the definition below and
# would shadow the function afterwards: the function is what `vsw` means once this file is loaded.
unalias vsw 2>/dev/null || true

# The functions below keep working under the user's settings: `set -e` (no statement that can
# fail, such as `((i++))` with i=0), `set -u` (every optional variable read as ${X-}), any IFS (no
# unquoted expansion that would be split) and aliases (see above).

# vsw PROFILE [flags]   switch this shell (vsw env PROFILE --shell bash, evaluated)
# vsw use PROFILE       switch, even to a profile named like a command
# vsw off               remove every variable the switch set
# vsw                   pick a profile on the terminal, then switch
# vsw COMMAND …         anything else runs the binary unchanged
vsw() {
  case ${1-} in
    '') __vsw_pick ;;
    use) shift && __vsw_switch "$@" ;;
    off) shift && __vsw_eval off --shell bash "$@" ;;
    # The binary's commands, written by scripts/build.mjs from src/cli/complete-specs.ts.
    -* | env | export | exec | plan | list | ls | add | remove | rm | clear | lock | keystore | import | mfa | init | pick | plugins | sandbox | __complete | sso | login | rotate)
      command vsw "$@" ;;
    *) __vsw_switch "$@" ;;
  esac
}

__vsw_switch() {
  __vsw_eval env --shell bash "$@"
}

# Runs `vsw ARGS…`, and evals its output only when it exited 0 and is switch code: a failed switch
# (wrong MFA code, unknown profile) leaves every variable as it was. Anything else it printed
# (`--help`) is shown, never evaluated.
__vsw_eval() {
  local __vsw_code
  __vsw_code=$(command vsw "$@") || return
  case $__vsw_code in
    'unset AWS_ACCESS_KEY_ID '*) eval "$__vsw_code" ;;
    '') ;;
    *) printf '%s\n' "$__vsw_code" ;;
  esac
  return 0
}

# `vsw` alone: the picker draws on /dev/tty; stdout carries the name, exactly. The `x` sentinel
# keeps a name's own trailing newlines, which $(…) would strip.
__vsw_pick() {
  local __vsw_name
  __vsw_name=$(command vsw pick && printf x) || return
  __vsw_switch "${__vsw_name%x}"
}

# vsw_prompt [-v NAME]: the active profile, account and time left, e.g. `prod 333333333333 42m`,
# green, yellow under 15 minutes, red and `expired` after; empty with no vsw session. Reads only
# variables and uses only builtins ($EPOCHSECONDS): no process is forked.
# With -v NAME it prints nothing and stores a PS1-ready string in NAME (colours wrapped in \001 \002
# so readline measures the prompt right) and the colour's name (green, yellow, red) in NAME_color,
# for PROMPT_COMMAND:
#   PROMPT_COMMAND+=$'\n''vsw_prompt -v VSW_PS1'; PS1='${VSW_PS1:+$VSW_PS1 }\w\$ '
# VSW_PROMPT_FORMAT: %p profile, %a account, %r region, %t time left, %% a percent sign (default
# `%p %a %t`). NO_COLOR (any value) turns colours off.
vsw_prompt() {
  local __vsw_var= __vsw_out= __vsw_time= __vsw_color=32 __vsw_left __vsw_now __vsw_fmt __vsw_i __vsw_c
  if [[ ${1-} == -v ]]; then
    __vsw_var=${2-}
    [[ $__vsw_var =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || return 2
    printf -v "$__vsw_var" '%s' ''
    printf -v "${__vsw_var}_color" '%s' ''
  fi
  [[ -n ${VSW_PROFILE-} ]] || return 0
  # Digits only before any arithmetic: bash evaluates a variable's value as an expression, so a
  # crafted VSW_EXPIRATION like `a[$(cmd)]` would run cmd. 10# keeps leading zeros decimal.
  if [[ ${VSW_EXPIRATION-} =~ ^[0-9]{1,12}$ ]]; then
    __vsw_now=${EPOCHSECONDS-}
    [[ -n $__vsw_now ]] || printf -v __vsw_now '%(%s)T' -1
    __vsw_left=$((10#$VSW_EXPIRATION - __vsw_now))
    if ((__vsw_left <= 0)); then
      __vsw_time=expired __vsw_color=31
    else
      if ((__vsw_left < 900)); then __vsw_color=33; fi
      if ((__vsw_left >= 3600)); then
        printf -v __vsw_time '%dh%02dm' "$((__vsw_left / 3600))" "$((__vsw_left % 3600 / 60))"
      else
        __vsw_time=$((__vsw_left / 60))m
      fi
    fi
  fi
  __vsw_fmt=${VSW_PROMPT_FORMAT:-%p %a %t}
  for ((__vsw_i = 0; __vsw_i < ${#__vsw_fmt}; __vsw_i++)); do
    __vsw_c=${__vsw_fmt:__vsw_i:1}
    if [[ $__vsw_c == % ]]; then
      __vsw_i=$((__vsw_i + 1))
      case ${__vsw_fmt:__vsw_i:1} in
        p) __vsw_c=$VSW_PROFILE ;;
        a) __vsw_c=${VSW_ACCOUNT_ID-} ;;
        r) __vsw_c=${VSW_REGION-} ;;
        t) __vsw_c=$__vsw_time ;;
        %) __vsw_c=% ;;
        *) __vsw_c=%${__vsw_fmt:__vsw_i:1} ;;
      esac
      # An empty value takes one following space with it: `prod  42m` would look like a glitch.
      if [[ -z $__vsw_c && (-z $__vsw_out || $__vsw_out == *' ') && ${__vsw_fmt:__vsw_i+1:1} == ' ' ]]; then
        __vsw_i=$((__vsw_i + 1))
      fi
      __vsw_out+=$__vsw_c
    else
      __vsw_out+=$__vsw_c
    fi
  done
  __vsw_out=${__vsw_out%"${__vsw_out##*[! ]}"}
  # A profile name is config text: its control characters (ESC …) must not reach the terminal.
  __vsw_out=${__vsw_out//[[:cntrl:]]/?}
  if [[ -n $__vsw_var ]]; then
    case $__vsw_color in 31) __vsw_c=red ;; 33) __vsw_c=yellow ;; *) __vsw_c=green ;; esac
    printf -v "${__vsw_var}_color" '%s' "$__vsw_c"
  fi
  if [[ -n ${NO_COLOR-} ]]; then
    if [[ -n $__vsw_var ]]; then printf -v "$__vsw_var" '%s' "$__vsw_out"; else printf '%s' "$__vsw_out"; fi
  elif [[ -n $__vsw_var ]]; then
    printf -v "$__vsw_var" '\001\033[%sm\002%s\001\033[0m\002' "$__vsw_color" "$__vsw_out"
  else
    printf '\033[%sm%s\033[0m' "$__vsw_color" "$__vsw_out"
  fi
}

# Auto-refresh (VSW_AUTO_REFRESH=1): before a command runs, a session with less than
# VSW_REFRESH_MINUTES (default 5) left is switched again, quietly, asking vsw for a session with at
# least that much left (`--min-remaining`), so a cached one that is too short is minted anew. It runs
# with VSW_NO_PROMPT=1 and without a controlling terminal (setsid, where present), so it can never
# prompt: when a new session needs an MFA code or the keystore passphrase, it fails silently and the
# prompt segment turns yellow, then red. One try per session.
__vsw_auto_refresh() {
  [[ ${VSW_AUTO_REFRESH-} == 1 && -n ${VSW_PROFILE-} ]] || return 0
  local __vsw_minutes=${VSW_REFRESH_MINUTES:-5} __vsw_now __vsw_code
  local -a __vsw_run=(command) __vsw_args
  [[ ${VSW_EXPIRATION-} =~ ^[0-9]{1,12}$ && $__vsw_minutes =~ ^[0-9]{1,6}$ ]] || return 0
  [[ ${__vsw_refresh_tried-} != "$VSW_PROFILE/$VSW_EXPIRATION" ]] || return 0
  __vsw_now=${EPOCHSECONDS-}
  [[ -n $__vsw_now ]] || printf -v __vsw_now '%(%s)T' -1
  ((10#$VSW_EXPIRATION - __vsw_now < 10#$__vsw_minutes * 60)) || return 0
  __vsw_refresh_tried=$VSW_PROFILE/$VSW_EXPIRATION
  # An array, not ${VSW_REGION:+--region "$VSW_REGION"}: an unquoted expansion is split at $IFS.
  __vsw_args=(env --shell bash "$VSW_PROFILE" --min-remaining "$((10#$__vsw_minutes > 0 ? 10#$__vsw_minutes : 1))m")
  if [[ -n ${VSW_REGION-} ]]; then __vsw_args+=(--region "$VSW_REGION"); fi
  # VSW_NO_PROMPT=1 makes vsw itself never prompt; setsid (where there is one) also keeps an
  # mfa_process or credential_process from opening the terminal on its own.
  if type -P setsid >/dev/null; then __vsw_run=(setsid -w); fi
  __vsw_code=$(VSW_NO_PROMPT=1 "${__vsw_run[@]}" vsw "${__vsw_args[@]}" </dev/null 2>/dev/null) || return 0
  case $__vsw_code in 'unset AWS_ACCESS_KEY_ID '*) eval "$__vsw_code" ;; esac
  # A session that is still within the margin (VSW_REFRESH_MINUTES longer than the role allows)
  # is not tried again before every command.
  if [[ ${VSW_EXPIRATION-} =~ ^[0-9]{1,12}$ ]] && ((10#$VSW_EXPIRATION - __vsw_now < 10#$__vsw_minutes * 60)); then
    __vsw_refresh_tried=${VSW_PROFILE-}/$VSW_EXPIRATION
  fi
  return 0
}

# Runs the refresh once per command line: PS0 (expanded after a line is read, before it runs)
# arms the DEBUG trap with a zero-width arithmetic assignment, so PROMPT_COMMAND's own commands
# never trigger it. With bash-preexec loaded, its preexec_functions is used instead. An existing
# DEBUG trap is left alone (then the check runs from PROMPT_COMMAND, before each prompt).
__vsw_debug() {
  [[ -n ${__vsw_armed-} ]] || return 0
  __vsw_armed=
  __vsw_auto_refresh
}

if [[ ${VSW_AUTO_REFRESH-} == 1 && $- == *i* && ${__vsw_hooked-} != 1 ]]; then
  __vsw_hooked=1
  if [[ -n ${bash_preexec_imported-}${__bp_imported-} ]]; then
    preexec_functions+=(__vsw_auto_refresh)
  elif [[ -z $(trap -p DEBUG) ]]; then
    PS0='${__vsw_z[__vsw_armed=1]-}'${PS0-}
    trap __vsw_debug DEBUG
  else
    PROMPT_COMMAND=__vsw_auto_refresh$'\n'${PROMPT_COMMAND-}
  fi
fi

# Completion: `vsw __complete --quoted -- WORD…` answers (protocol in src/cli/commands/complete.ts).
# bash splits words at COMP_WORDBREAKS (= and :); they are joined again so vsw sees `--shell=ba`.
__vsw_complete() {
  local IFS=$'\n' __vsw_i __vsw_w __vsw_pos=0 __vsw_end=-1 __vsw_start __vsw_rest __vsw_line __vsw_cur
  local -a __vsw_words=() __vsw_lines=()
  local __vsw_glue=0
  for ((__vsw_i = 1; __vsw_i <= COMP_CWORD; __vsw_i++)); do
    __vsw_w=${COMP_WORDS[__vsw_i]}
    __vsw_rest=${COMP_LINE:__vsw_pos}
    __vsw_rest=${__vsw_rest%%"$__vsw_w"*}
    __vsw_start=$((__vsw_pos + ${#__vsw_rest}))
    if ((${#__vsw_words[@]} && __vsw_start == __vsw_end)) && [[ $__vsw_glue == 1 || $__vsw_w == [=:] ]]; then
      __vsw_words[${#__vsw_words[@]} - 1]+=$__vsw_w
    else
      __vsw_words+=("$__vsw_w")
    fi
    if [[ $__vsw_w == [=:] ]]; then __vsw_glue=1; else __vsw_glue=0; fi
    __vsw_end=$((__vsw_start + ${#__vsw_w}))
    __vsw_pos=$__vsw_end
  done
  ((${#__vsw_words[@]})) || __vsw_words=('')
  __vsw_cur=${__vsw_words[${#__vsw_words[@]} - 1]}
  # One candidate a line ($IFS is a newline here), never globbed: a profile named `*` stays `*`.
  # `local -` gives the shell options back on return.
  local -
  set -f
  __vsw_lines=($(command vsw __complete --quoted -- "${__vsw_words[@]}" 2>/dev/null))
  COMPREPLY=()
  if [[ ${__vsw_lines[0]-} == :default ]]; then
    compopt -o default 2>/dev/null || true
    return 0
  fi
  [[ ${__vsw_lines[0]-} == :words ]] || return 0
  # Readline replaces only the text after the last = or :, so that much of the joined word goes.
  local __vsw_strip=
  if [[ $__vsw_cur == *[=:]* && ${COMP_WORDBREAKS-} == *[=:]* ]]; then __vsw_strip=${__vsw_cur%"${__vsw_cur##*[=:]}"}; fi
  for __vsw_line in "${__vsw_lines[@]:1}"; do
    __vsw_w=${__vsw_line%%$'\t'*}
    __vsw_w=${__vsw_w#"$__vsw_strip"}
    # Quoted for the command line, inside the quote the user opened (readline closes it): a
    # profile name is config text, and Enter must not run a `$(…)` in it.
    case $__vsw_cur in
      \'*) __vsw_w=${__vsw_w//\'/\'\\\'\'} ;;
      \"*)
        if [[ $__vsw_w == *!* ]]; then continue; fi # no escape for `!` inside double quotes
        __vsw_w=${__vsw_w//\\/\\\\} __vsw_w=${__vsw_w//\"/\\\"}
        __vsw_w=${__vsw_w//\$/\\\$} __vsw_w=${__vsw_w//\`/\\\`}
        ;;
      *) printf -v __vsw_w '%q' "$__vsw_w" ;;
    esac
    COMPREPLY+=("$__vsw_w")
  done
  return 0
}

complete -F __vsw_complete vsw
