/**
 * The CLI grammar: vsw's commands, their positionals, flags and what each completes to. Completion
 * reads it, the fast path (fast.ts) takes its flags from it, and a plugin's commands (the `commands`
 * hook) join it at run time. Kept equal to the yargs command modules by test/shell-complete.test.ts.
 */
import type { CommandSpec, FlagSpec, ValueKind } from "../core/commands.js";

export type { CommandSpec, FlagSpec, ValueKind } from "../core/commands.js";

const SHELLS: readonly string[] = ["bash", "zsh", "sh", "fish", "pwsh"];

/** The candidates of the value kinds that are fixed lists (formats come from the plugins). */
export const VALUES: Partial<Record<ValueKind, readonly string[]>> = {
  shell: SHELLS,
  "rc-shell": ["bash", "zsh", "fish"],
};

/** Flags every command takes (yargs globals, plus --help). */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  "--keystore": {
    describe: "Keystore to use",
    value: "free",
    help: "Keystore to use (default: $VSW_KEYSTORE or file)",
  },
  "--debug": {
    describe: "Trace hooks and plugins on stderr",
    help: "Trace hooks and plugins on stderr (never values)",
  },
  "--plugin": {
    describe: "Load a plugin (path or package)",
    value: "free",
    repeatable: true,
    help: "Load a plugin (path or package); also VSW_PLUGINS",
  },
  "--help": { describe: "Show help" },
};

const PROFILE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  "--duration": { describe: "Session duration: 900s, 15m, 1h, 12h", value: "free" },
  "--no-session": {
    describe: "No GetSessionToken: the stored keys, or a role assumed from them",
    help: "--no-session: no GetSessionToken (the stored keys, or a role assumed from them)",
  },
  "--region": { describe: "Region", value: "region", help: "Region (beats AWS_REGION and the profile)" },
  "--mfa-token": { describe: "The current MFA code", value: "free", help: "The current MFA code (6 digits)" },
  "--mfa-serial": {
    describe: "MFA device ARN, instead of the profile's mfa_serial",
    value: "free",
    help: "MFA device ARN to use (beats AWS_MFA_SERIAL and the profile's mfa_serial)",
  },
};

/** `env` and `export`: the shells' auto-refresh asks for a session with this much life left. */
const MIN_REMAINING: Readonly<Record<string, FlagSpec>> = {
  "--min-remaining": {
    describe: "Reuse a cached session only with this much left",
    value: "free",
    help: "Reuse a cached session only with this much life left, else mint anew (default 5m)",
  },
};

/** `--shell` of env and off. */
const SHELL_FLAG: FlagSpec = {
  describe: "Shell to print for",
  value: "shell",
  choices: SHELLS,
  help: "Shell to print for (default: the shell that runs vsw, else $SHELL)",
};

/** The switch itself: `vsw PROFILE [flags]` and `vsw use PROFILE [flags]` run `vsw env PROFILE`. */
const SWITCH_FLAGS = PROFILE_FLAGS;

/** Every command completion knows, in `vsw --help` order, then the wrapper's own. */
export const COMMAND_SPECS: readonly CommandSpec[] = [
  {
    name: "env",
    describe: "Print shell code that switches to PROFILE",
    positionals: ["profile"],
    flags: { ...PROFILE_FLAGS, "--shell": SHELL_FLAG, ...MIN_REMAINING },
  },
  {
    name: "export",
    describe: "Print PROFILE's session credentials",
    positionals: ["profile"],
    flags: {
      ...PROFILE_FLAGS,
      "--format": {
        describe: "Output format",
        value: "format",
        default: "json",
        help: "env | json | ini | dotenv (or a plugin's format)",
      },
      "--shell": {
        describe: "Shell for --format env",
        value: "shell",
        help: "Shell for --format env (default: from $SHELL)",
      },
      ...MIN_REMAINING,
    },
  },
  {
    name: "exec",
    describe: "Run a command with PROFILE's session",
    positionals: ["profile"],
    rest: "command",
    flags: PROFILE_FLAGS,
  },
  {
    name: "plan",
    describe: "Show how PROFILE turns into credentials",
    positionals: ["profile"],
    flags: { ...PROFILE_FLAGS, "--json": { describe: "Print the plan as JSON" } },
  },
  {
    name: "list",
    aliases: ["ls"],
    describe: "List profiles, stored keys and cached sessions",
    positionals: [],
    flags: {
      "--json": { describe: "Print JSON" },
      "--names": {
        describe: "Print profile names only",
        alias: "profiles",
        help: "Print profile names only, one a line (--profiles, as in aws-vault)",
      },
      "--credentials": {
        describe: "Only profiles with stored keys",
        help: "Print only the names of profiles with stored keys, one a line",
      },
    },
  },
  {
    name: "add",
    describe: "Store long-lived keys for PROFILE",
    positionals: ["profile"],
    flags: {
      "--env": { describe: "Read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" },
      "--force": {
        describe: "Replace stored keys without asking",
        help: "Replace keys already stored for PROFILE without asking",
      },
    },
  },
  {
    name: "remove",
    aliases: ["rm"],
    describe: "Delete PROFILE's stored keys and cached sessions",
    positionals: ["stored"],
    flags: { "--force": { describe: "Do not ask for confirmation", alias: "f" } },
  },
  {
    name: "clear",
    describe: "Drop cached sessions",
    positionals: ["profile"],
    flags: {},
  },
  {
    name: "lock",
    describe: "Forget the unlocked keystore passphrase",
    positionals: [],
    flags: {},
  },
  {
    name: "init",
    describe: "Print the line that loads the shell integration",
    positionals: ["rc-shell"],
    flags: {},
  },
  {
    name: "off",
    describe: "Remove every variable the last switch set",
    positionals: [],
    flags: { "--shell": SHELL_FLAG },
  },
  {
    name: "pick",
    describe: "Choose a profile on the terminal",
    positionals: [],
    flags: {},
  },
  {
    name: "plugins",
    describe: "List the loaded plugins",
    positionals: [],
    flags: { "--json": { describe: "Print JSON" } },
  },
  {
    name: "sandbox",
    describe: "Try vsw on a local STS emulator",
    positionals: [],
    flags: {
      "--print-env": { describe: "Print shell code to eval" },
      "--stop": { describe: "Stop the sandbox of $VSW_SANDBOX" },
      "--shell": { describe: "Syntax of --print-env and --stop", value: "shell" },
    },
  },
  { name: "__complete", describe: "Completion candidates", positionals: [], flags: {}, hidden: true },
  {
    name: "use",
    describe: "Switch to PROFILE, even one named like a command",
    positionals: ["profile"],
    flags: SWITCH_FLAGS,
  },
];

/** `vsw PROFILE …`: the first word is the profile. */
export const SWITCH_SPEC: CommandSpec = {
  name: "",
  describe: "Switch the shell",
  positionals: ["profile"],
  flags: SWITCH_FLAGS,
};

export const TOP_FLAGS: Readonly<Record<string, FlagSpec>> = {
  "--help": { describe: "Show help" },
  "--version": { describe: "Show the version" },
};
