/**
 * The CLI grammar's types: what a command takes and what each of its words completes to. vsw's own
 * commands are one table of these (src/cli/complete-specs.ts); a plugin adds a command of its own
 * with the same shape plus a `run`, through the `commands` hook.
 */
import type { Vsw } from "./vsw.js";

/**
 * What a positional argument or a flag's value completes to: a named kind, or (since plugin API
 * 1.3) a fixed list of candidates a plugin's command offers (`{ values: ["s3", "ec2"] }`).
 */
export type ValueKind = NamedValueKind | { readonly values: readonly string[] };

/** The kinds of value vsw knows how to complete itself. */
export type NamedValueKind =
  | "profile" // every profile of the config and every name with stored keys
  | "stored" // names with stored keys
  | "shell" // shells of the env format
  | "rc-shell" // shells with a wrapper (vsw init)
  | "format" // output formats, built-in and plugins'
  | "region" // regions named in the config
  | "keystore" // keystore names (file, keychain, pass)
  | "keystore-action" // what `vsw keystore` does: list, migrate
  | "import-source" // what `vsw import` reads: credentials-file, aws-vault
  | "mfa-action" // what `vsw mfa` does: add, code, remove, list
  | "sso-action" // what `vsw sso` does: login, logout, sync
  | "command" // a command line of its own: the shell's default completion
  | "free"; // anything: no candidates

/** A flag: a boolean when `value` is absent. */
export interface FlagSpec {
  describe: string;
  /** What its value completes to; absent for a boolean flag. */
  value?: ValueKind;
  /** It may be given more than once (`--plugin a --plugin b`). */
  repeatable?: boolean;
  /** The longer text `--help` shows; `describe` (completion's) when absent. */
  help?: string;
  /** The only values accepted (a usage error otherwise). */
  choices?: readonly string[];
  /** The value when the flag is not given. */
  default?: string;
  /** Another name of the flag, without `--` (`profiles` for `--names`); not offered by completion. */
  alias?: string;
}

/** A command of the CLI grammar: its name, what its words complete to, its flags (`--name` keys). */
export interface CommandSpec {
  name: string;
  aliases?: readonly string[];
  describe: string;
  /** What each positional completes to; past the end, `rest` (default `free`). */
  positionals: readonly ValueKind[];
  rest?: ValueKind;
  flags: Readonly<Record<string, FlagSpec>>;
  hidden?: boolean;
  /**
   * The words after the name in `vsw --help` and the command's usage line, in yargs' syntax:
   * `<required>`, `[optional]`, `[rest..]` (`<profile> [command..]`). A built-in command's yargs
   * module is declared from it; a plugin command's words all reach `run` as positionals, and it is
   * shown as `[args..]` whatever this says. Absent: no positional.
   */
  usage?: string;
  /**
   * The longer description `vsw NAME --help` shows (paragraphs separated by a blank line); `vsw --help`
   * lists a plugin command with its first paragraph. `describe` (completion's) when absent.
   */
  help?: string;
  /** Examples `vsw NAME --help` shows: each a command line and what it does. */
  examples?: ReadonlyArray<readonly [command: string, what: string]>;
}

/** What a plugin command's `run` gets: the words and flags as given on the command line. */
export interface CommandArgs {
  /** The words after the command's name that are not flags (and every word after `--`). */
  positionals: string[];
  /**
   * Each declared flag by its name without `--` (`dry-run`): a string, `true`, or absent; a
   * repeatable flag's values in order.
   */
  flags: Record<string, string | string[] | boolean | undefined>;
}

/**
 * A command a plugin adds (`vsw NAME …`), listed in `vsw --help` and completed like a built-in one.
 * `run` gets the core with every plugin applied; it writes its own output (stdout for the payload,
 * stderr for the rest) and throws a `VswError` to fail. A name of a built-in command is refused.
 */
export interface PluginCommand extends CommandSpec {
  run(args: CommandArgs, vsw: Vsw): void | Promise<void>;
}
