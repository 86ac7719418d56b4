/**
 * The CLI grammar: vsw's commands, their usage words, `--help` texts and examples, positionals, flags
 * and what each completes to. The yargs command modules take their head (usage, aliases, description)
 * and options from it (options.ts), completion reads it, the fast path (fast.ts) takes its flags from
 * it, the shell wrappers' command lists are generated from it (scripts/shell-commands.mjs), and a
 * plugin's commands (the `commands` hook) join it at run time.
 */
import type { CommandSpec, FlagSpec, NamedValueKind } from "../core/commands.js";

export type { CommandSpec, FlagSpec, ValueKind } from "../core/commands.js";

const SHELLS: readonly string[] = ["bash", "zsh", "sh", "fish", "pwsh"];

/**
 * The commands the built-in plugins add through the `commands` hook (`vsw sso`, `login`, `rotate`):
 * the shell wrappers pass them to the binary instead of switching to a profile of that name
 * (test/builtin-commands.test.ts checks this list against the plugins).
 */
export const BUILTIN_PLUGIN_COMMANDS: readonly string[] = ["sso", "login", "rotate"];

/** The candidates of the value kinds that are fixed lists (formats come from the plugins). */
export const VALUES: Partial<Record<NamedValueKind, readonly string[]>> = {
  shell: SHELLS,
  "rc-shell": ["bash", "zsh", "fish"],
  keystore: ["file", "keychain", "pass"],
  "keystore-action": ["list", "migrate"],
  "import-source": ["credentials-file", "aws-vault"],
  "mfa-action": ["add", "code", "remove", "list"],
  "sso-action": ["login", "logout", "sync"],
};

/** Flags every command takes (yargs globals, plus --help). */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  "--keystore": {
    describe: "Keystore to use",
    value: "keystore",
    help: "Keystore to use: file, keychain, pass (default: $VSW_KEYSTORE, else the keychain where it works)",
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
    usage: "<profile>",
    help: 'Print shell code that switches to PROFILE: eval "$(vsw env dev)"',
    examples: [
      ['eval "$(vsw env dev)"', "Switch this shell to dev (the shell integration does it as: vsw dev)"],
      ["vsw env prod --duration 1h --region us-east-1", "A 1-hour session of prod, in another region"],
      ["vsw env -- -odd-name", "A profile whose name starts with -"],
    ],
    positionals: ["profile"],
    flags: { ...PROFILE_FLAGS, "--shell": SHELL_FLAG, ...MIN_REMAINING },
  },
  {
    name: "export",
    describe: "Print PROFILE's session credentials",
    usage: "<profile>",
    help: "Print PROFILE's session credentials (json is the credential_process document)",
    examples: [
      ["vsw export dev", "The credential_process JSON document"],
      ["vsw export dev --format ini >> creds.ini", "An [ini] section of the credentials file"],
      ["vsw export dev --format dotenv > .env", "KEY=value lines for docker --env-file or dotenv"],
    ],
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
    usage: "<profile> [command..]",
    help: "Run a command (default $SHELL) with PROFILE's session in its environment",
    examples: [
      ["vsw exec dev -- aws sts get-caller-identity", "Run one command as dev"],
      ["vsw exec prod", "A new $SHELL with prod's session"],
      ["vsw exec --server prod -- terraform apply", "A long run whose sessions are renewed as they expire"],
    ],
    positionals: ["profile"],
    rest: "command",
    flags: {
      ...PROFILE_FLAGS,
      "--server": {
        describe: "Serve credentials to the command instead of keys",
        help: "Give the command a local credentials server (ECS protocol) that renews the session, instead of keys",
      },
      "--ecs-server": { describe: "The same as --server (aws-vault's name)" },
    },
  },
  {
    name: "plan",
    describe: "Show how PROFILE turns into credentials",
    usage: "<profile>",
    help: "Show how PROFILE turns into credentials, without calling AWS",
    examples: [
      ["vsw plan prod", "The steps from stored keys to prod's role session"],
      ["vsw plan prod --json", "The same plan, for scripts"],
    ],
    positionals: ["profile"],
    flags: { ...PROFILE_FLAGS, "--json": { describe: "Print the plan as JSON" } },
  },
  {
    name: "list",
    aliases: ["ls"],
    describe: "List profiles, stored keys and cached sessions",
    help: "List profiles, stored keys and cached sessions (never a secret)",
    examples: [
      ["vsw list", "Profiles, stored keys and cached sessions as a table"],
      ["vsw list --credentials", "The profiles whose keys are in the keystore"],
    ],
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
    usage: "<profile>",
    help: "Store long-lived keys for PROFILE in the keystore",
    examples: [
      ["vsw add base", "Type the keys of base on the terminal (the secret hidden)"],
      ["vsw add base --env", "Take them from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"],
      ["vsw add base --env --force", "Replace keys already stored, without asking"],
    ],
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
    usage: "<profile>",
    examples: [["vsw remove base", "Delete the keys of base and its cached sessions (asks first)"]],
    positionals: ["stored"],
    flags: { "--force": { describe: "Do not ask for confirmation", alias: "f" } },
  },
  {
    name: "clear",
    describe: "Drop cached sessions",
    usage: "[profile]",
    help: "Drop cached sessions (of PROFILE, or all)",
    examples: [
      ["vsw clear", "Drop every cached session"],
      ["vsw clear prod", "Drop prod's cached sessions"],
    ],
    positionals: ["profile"],
    flags: {},
  },
  {
    name: "lock",
    describe: "Forget the unlocked keystore passphrase",
    help: "Forget the unlocked keystore passphrase (the next command asks again)",
    examples: [["vsw lock", "Forget the unlocked keystore passphrase now"]],
    positionals: [],
    flags: {},
  },
  {
    name: "keystore",
    describe: "List the keystores, or move items between them",
    usage: "<action>",
    help: "vsw keystore list: the keystores and which work here; vsw keystore migrate --from A --to B: move items",
    examples: [
      ["vsw keystore list", "Every keystore, whether it works here and why not, and which is the default"],
      [
        "vsw keystore migrate --from file --to keychain",
        "Move every item (keys and sessions) to the keychain",
      ],
      ["vsw keystore migrate --from file --to pass --profile base", "Move only the items of base"],
    ],
    positionals: ["keystore-action"],
    flags: {
      "--from": { describe: "Keystore to move items from", value: "keystore" },
      "--to": { describe: "Keystore to move items to", value: "keystore" },
      "--profile": { describe: "Only this profile's items", value: "stored" },
      "--json": { describe: "Print JSON (list)" },
    },
  },
  {
    name: "import",
    describe: "Move keys from ~/.aws/credentials or aws-vault into the keystore",
    usage: "<source>",
    help: "Move long-lived keys into the keystore from ~/.aws/credentials (removing them there) or from aws-vault's file store",
    examples: [
      ["vsw import credentials-file", "Move every key pair of ~/.aws/credentials into the keystore"],
      [
        "vsw import credentials-file --profile base --keep",
        "Move base's keys, keeping a 0600 backup of the file",
      ],
      ["vsw import aws-vault", "Copy the keys of aws-vault's file backend (~/.awsvault/keys)"],
    ],
    positionals: ["import-source"],
    flags: {
      "--profile": { describe: "Only this profile", value: "profile" },
      "--keep": { describe: "Keep a 0600 backup of the credentials file" },
    },
  },
  {
    name: "mfa",
    describe: "Keep TOTP secrets for MFA in the keystore, and show the MFA sources",
    usage: "<action> [profile]",
    help: "vsw mfa add PROFILE: keep the TOTP secret of PROFILE's MFA device in the keystore (typed hidden, or on stdin); code, remove, list",
    examples: [
      ["vsw mfa add base", "Type the base32 secret or otpauth:// URI of base's mfa_serial (hidden)"],
      ["vsw mfa add base < secret.txt", "Read it from stdin instead (never from the command line)"],
      ["vsw mfa code base", "Print the current code (for the console); vsw will not send it again"],
      ["vsw mfa list", "Every profile with an MFA serial and the source that answers for it"],
      ["vsw mfa remove base", "Forget the stored secret"],
    ],
    positionals: ["mfa-action", "profile"],
    flags: {
      "--json": { describe: "Print JSON (list)" },
      "--force": { describe: "Replace or remove a stored secret without asking (add, remove)" },
    },
  },
  {
    name: "init",
    describe: "Print the line that loads the shell integration",
    usage: "[shell]",
    help: "Print the line that loads the shell integration: vsw init bash >> ~/.bashrc",
    examples: [["vsw init bash >> ~/.bashrc", "Install the shell integration"]],
    positionals: ["rc-shell"],
    flags: {},
  },
  {
    name: "off",
    describe: "Remove every variable the last switch set",
    help: 'Print shell code that removes every variable a switch set: eval "$(vsw off)"',
    examples: [['eval "$(vsw off)"', "Leave the profile: unset what vsw set"]],
    positionals: [],
    flags: { "--shell": SHELL_FLAG },
  },
  {
    name: "pick",
    describe: "Choose a profile on the terminal",
    help: "Choose a profile on the terminal (type to filter); prints its name",
    examples: [["vsw pick", "Choose a profile from a list"]],
    positionals: [],
    flags: {},
  },
  {
    name: "plugins",
    describe: "List the loaded plugins",
    help: "List the loaded plugins: where each came from, its version, the hooks it taps",
    positionals: [],
    flags: { "--json": { describe: "Print JSON" } },
  },
  {
    name: "sandbox",
    describe: "Try vsw on a local STS emulator",
    help: "Try vsw without AWS: a local STS emulator, a sample organisation and a throwaway HOME",
    positionals: [],
    flags: {
      "--print-env": { describe: "Print shell code to eval" },
      "--stop": { describe: "Stop the sandbox of $VSW_SANDBOX" },
      "--shell": { describe: "Syntax of --print-env and --stop", value: "shell" },
    },
  },
  {
    name: "__complete",
    usage: "[words..]",
    describe: "Completion candidates",
    positionals: [],
    flags: {},
    hidden: true,
  },
  {
    name: "use",
    describe: "Switch to PROFILE, even one named like a command",
    usage: "<profile>",
    help: "Switch this shell to PROFILE (with the shell integration: vsw init)",
    examples: [["vsw use dev", "Switch this shell (with the shell integration)"]],
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
