# vsw shell integration for zsh 5.1+. Load it from ~/.zshrc with the line that `vsw init zsh`
# prints. Sourcing only defines functions and hooks: it starts no process.
#
# All logic and all escaping live in the vsw binary; this file only evals what `vsw env` and
# `vsw off` print, after checking that they succeeded. See docs/shell.md.

# $EPOCHSECONDS for the prompt: a module load, not a process.
zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
autoload -Uz add-zsh-hook

# An alias named vsw would be expanded in the definition below (an error in zsh) and would shadow
# the function afterwards: the function is what `vsw` means once this file is loaded. Code outside
# the functions runs with the user's options: ${+name[key]} keeps its meaning under KSH_ARRAYS.
if (( ${+aliases[vsw]} )); then unalias vsw; fi

# vsw PROFILE [flags]   switch this shell (vsw env PROFILE --shell zsh, evaluated)
# vsw use PROFILE       switch, even to a profile named like a command
# vsw off               remove every variable the switch set
# vsw                   pick a profile on the terminal, then switch
# vsw COMMAND …         anything else runs the binary unchanged
vsw() {
  emulate -L zsh
  case ${1-} in
    ('') __vsw_pick ;;
    (use) shift && __vsw_switch "$@" ;;
    (off) shift && __vsw_eval off --shell zsh "$@" ;;
    # The binary's commands, written by scripts/build.mjs from src/cli/complete-specs.ts.
    (-* | env | export | exec | plan | list | ls | add | remove | rm | clear | lock | keystore | import | mfa | init | pick | plugins | sandbox | __complete | sso | login | rotate)
      command vsw "$@" ;;
    (*) __vsw_switch "$@" ;;
  esac
}

__vsw_switch() {
  __vsw_eval env --shell zsh "$@"
}

# Runs `vsw ARGS…`, and evals its output only when it exited 0 and is switch code: a failed switch
# (wrong MFA code, unknown profile) leaves every variable as it was. Anything else it printed
# (`--help`) is shown, never evaluated. `emulate -L zsh` gives the code zsh's default quoting
# rules whatever the user's options (RC_QUOTES, CSH_JUNKIE_QUOTES); `export` stays global.
__vsw_eval() {
  emulate -L zsh
  local __vsw_code
  __vsw_code=$(command vsw "$@") || return
  case $__vsw_code in
    ('unset AWS_ACCESS_KEY_ID '*) eval "$__vsw_code" ;;
    ('') ;;
    (*) print -r -- "$__vsw_code" ;;
  esac
  return 0
}

# `vsw` alone: the picker draws on /dev/tty; stdout carries the name, exactly. The `x` sentinel
# keeps a name's own trailing newlines, which $(…) would strip.
__vsw_pick() {
  emulate -L zsh
  local __vsw_name
  __vsw_name=$(command vsw pick && print -n x) || return
  __vsw_switch "${__vsw_name%x}"
}

# vsw_prompt [-v NAME]: the active profile, account and time left, e.g. `prod 333333333333 42m`,
# green, yellow under 15 minutes, red and `expired` after; empty with no vsw session. Reads only
# variables and uses only builtins ($EPOCHSECONDS): no process is forked.
# With -v NAME it prints nothing and stores a prompt-ready string in NAME (`%` doubled, colours in
# %{ %}) and the colour's name (green, yellow, red) in NAME_color, for a precmd hook or a
# powerlevel10k segment — `$(vsw_prompt)` in PROMPT would fork a subshell on every prompt:
#   setopt prompt_subst; add-zsh-hook precmd __vsw_ps1; __vsw_ps1() { vsw_prompt -v VSW_PS1 }
#   RPROMPT='$VSW_PS1'
# VSW_PROMPT_FORMAT: %p profile, %a account, %r region, %t time left, %% a percent sign (default
# `%p %a %t`). NO_COLOR (any value) turns colours off.
vsw_prompt() {
  emulate -L zsh
  local __vsw_var= __vsw_out= __vsw_time= __vsw_color=32 __vsw_left __vsw_now __vsw_fmt __vsw_i __vsw_c
  if [[ ${1-} == -v ]]; then
    __vsw_var=${2-}
    [[ $__vsw_var == [A-Za-z_]* && $__vsw_var != *[^A-Za-z0-9_]* ]] || return 2
    typeset -g "$__vsw_var=" "${__vsw_var}_color="
  fi
  [[ -n ${VSW_PROFILE-} ]] || return 0
  # Digits only before any arithmetic: a math expression may name other variables.
  if [[ ${VSW_EXPIRATION-} == <-> && ${#VSW_EXPIRATION} -le 12 ]]; then
    __vsw_now=${EPOCHSECONDS-}
    [[ -n $__vsw_now ]] || __vsw_now=${(%):-'%D{%s}'}
    __vsw_left=$((10#$VSW_EXPIRATION - __vsw_now))
    if ((__vsw_left <= 0)); then
      __vsw_time=expired __vsw_color=31
    else
      if ((__vsw_left < 900)); then __vsw_color=33; fi
      if ((__vsw_left >= 3600)); then
        __vsw_time=$(( __vsw_left / 3600 ))h${(l:2::0:)$(( __vsw_left % 3600 / 60 ))}m
      else
        __vsw_time=$((__vsw_left / 60))m
      fi
    fi
  fi
  __vsw_fmt=${VSW_PROMPT_FORMAT:-%p %a %t}
  for ((__vsw_i = 1; __vsw_i <= ${#__vsw_fmt}; __vsw_i++)); do
    __vsw_c=${__vsw_fmt[__vsw_i]}
    if [[ $__vsw_c == % ]]; then
      ((__vsw_i++))
      case ${__vsw_fmt[__vsw_i]} in
        (p) __vsw_c=$VSW_PROFILE ;;
        (a) __vsw_c=${VSW_ACCOUNT_ID-} ;;
        (r) __vsw_c=${VSW_REGION-} ;;
        (t) __vsw_c=$__vsw_time ;;
        (%) __vsw_c=% ;;
        (*) __vsw_c=%${__vsw_fmt[__vsw_i]} ;;
      esac
      # An empty value takes one following space with it: `prod  42m` would look like a glitch.
      if [[ -z $__vsw_c && ( -z $__vsw_out || $__vsw_out == *' ' ) && ${__vsw_fmt[__vsw_i+1]} == ' ' ]]; then
        ((__vsw_i++))
      fi
      __vsw_out+=$__vsw_c
    else
      __vsw_out+=$__vsw_c
    fi
  done
  __vsw_out=${__vsw_out%"${__vsw_out##*[^ ]}"}
  # A profile name is config text: its control characters (ESC …) must not reach the terminal.
  __vsw_out=${__vsw_out//[[:cntrl:]]/?}
  if [[ -n $__vsw_var ]]; then
    case $__vsw_color in (31) __vsw_c=red ;; (33) __vsw_c=yellow ;; (*) __vsw_c=green ;; esac
    typeset -g "${__vsw_var}_color=$__vsw_c"
    # Prompt expansion reads % escapes in the result, so a `%` of a profile name is doubled.
    __vsw_out=${__vsw_out//\%/%%}
    if [[ -z ${NO_COLOR-} ]]; then __vsw_out=$'%{\e['${__vsw_color}$'m%}'${__vsw_out}$'%{\e[0m%}'; fi
    typeset -g "$__vsw_var=$__vsw_out"
  elif [[ -n ${NO_COLOR-} ]]; then
    print -rn -- "$__vsw_out"
  else
    print -rn -- $'\e['${__vsw_color}m${__vsw_out}$'\e[0m'
  fi
}

# Auto-refresh (VSW_AUTO_REFRESH=1): before a command runs (preexec), a session with less than
# VSW_REFRESH_MINUTES (default 5) left is switched again, quietly. It runs with VSW_NO_PROMPT=1 and
# without a controlling terminal (setsid, where present), so it can never prompt: when a new session
# needs an MFA code or the keystore passphrase, it fails silently and the prompt segment turns
# yellow, then red. One try per session.
__vsw_auto_refresh() {
  emulate -L zsh
  [[ ${VSW_AUTO_REFRESH-} == 1 && -n ${VSW_PROFILE-} ]] || return 0
  local __vsw_minutes=${VSW_REFRESH_MINUTES:-5} __vsw_code __vsw_now=${EPOCHSECONDS-}
  local -a __vsw_args
  [[ ${VSW_EXPIRATION-} == <-> && ${#VSW_EXPIRATION} -le 12 ]] || return 0
  [[ $__vsw_minutes == <-> && ${#__vsw_minutes} -le 6 ]] || return 0
  [[ ${__vsw_refresh_tried-} != "$VSW_PROFILE/$VSW_EXPIRATION" ]] || return 0
  [[ -n $__vsw_now ]] || __vsw_now=${(%):-'%D{%s}'}
  ((10#$VSW_EXPIRATION - __vsw_now < 10#$__vsw_minutes * 60)) || return 0
  typeset -g __vsw_refresh_tried=$VSW_PROFILE/$VSW_EXPIRATION
  # --min-remaining: a cached session with less than the margin left is minted anew.
  __vsw_args=(env --shell zsh "$VSW_PROFILE" --min-remaining "$((10#$__vsw_minutes > 0 ? 10#$__vsw_minutes : 1))m")
  if [[ -n ${VSW_REGION-} ]]; then __vsw_args+=(--region "$VSW_REGION"); fi
  # VSW_NO_PROMPT=1 makes vsw itself never prompt; setsid (where there is one) also keeps an
  # mfa_process or credential_process from opening the terminal on its own.
  local -a __vsw_run=(command)
  if (( ${+commands[setsid]} )); then __vsw_run=(setsid -w); fi
  __vsw_code=$(VSW_NO_PROMPT=1 "${__vsw_run[@]}" vsw "${__vsw_args[@]}" </dev/null 2>/dev/null) || return 0
  case $__vsw_code in ('unset AWS_ACCESS_KEY_ID '*) eval "$__vsw_code" ;; esac
  # A session still within the margin (VSW_REFRESH_MINUTES longer than the role allows) is not
  # tried again before every command.
  if [[ ${VSW_EXPIRATION-} == <-> ]] && ((10#$VSW_EXPIRATION - __vsw_now < 10#$__vsw_minutes * 60)); then
    typeset -g __vsw_refresh_tried=${VSW_PROFILE-}/$VSW_EXPIRATION
  fi
  return 0
}
add-zsh-hook preexec __vsw_auto_refresh

# Completion: `vsw __complete -- WORD…` answers (protocol in src/cli/commands/complete.ts).
_vsw() {
  emulate -L zsh
  local -a __vsw_lines __vsw_values __vsw_shown
  local __vsw_line __vsw_width=0
  __vsw_lines=("${(@f)$(command vsw __complete -- "${(@Q)words[2,CURRENT-1]}" "${(Q)PREFIX}" 2>/dev/null)}")
  case ${__vsw_lines[1]-} in
    (:default) _files; return ;;
    (:words) ;;
    (*) return 1 ;;
  esac
  for __vsw_line in "${(@)__vsw_lines[2,-1]}"; do
    [[ -n $__vsw_line ]] || continue
    __vsw_values+=("${__vsw_line%%$'\t'*}")
    (( ${#__vsw_values[-1]} > __vsw_width )) && __vsw_width=${#__vsw_values[-1]}
  done
  # Shown as `value   -- description`, aligned; a description is display text only.
  for __vsw_line in "${(@)__vsw_lines[2,-1]}"; do
    [[ -n $__vsw_line ]] || continue
    if [[ $__vsw_line == *$'\t'* ]]; then
      __vsw_shown+=("${(r:__vsw_width:)${__vsw_line%%$'\t'*}}  -- ${__vsw_line#*$'\t'}")
    else
      __vsw_shown+=("${__vsw_line}")
    fi
  done
  (( ${#__vsw_values} )) || return 1
  compadd -l -d __vsw_shown -- "${__vsw_values[@]}"
}

# compdef exists once compinit has run. When this file is sourced before it, completion is
# registered at the first prompt after compinit ran, however late (a plugin manager may run it
# after the first prompt): the precmd check costs no process, and removes itself once done.
if (( ${+functions[compdef]} )); then
  compdef _vsw vsw
else
  __vsw_compdef() {
    emulate -L zsh
    (( ${+functions[compdef]} )) || return 0
    compdef _vsw vsw
    add-zsh-hook -d precmd __vsw_compdef
  }
  add-zsh-hook precmd __vsw_compdef
fi
