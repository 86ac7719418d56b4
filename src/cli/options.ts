import type { Argv } from "yargs";
import { COMMAND_SPECS, type FlagSpec } from "./complete-specs.js";

/**
 * Declares a command's flags in yargs from the one CLI grammar (complete-specs.ts), in the table's
 * order: what completion offers and the fast path accepts is what yargs accepts. `--no-X` is
 * declared as the boolean `X`, so yargs' negation gives `--no-X` (X: false).
 */
export function grammarOptions<T>(yargs: Argv<T>, name: string): Argv<T> {
  const spec = COMMAND_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`No command "${name}" in the CLI grammar.`);
  return declareFlags(yargs, spec.flags);
}

/** Declares grammar flags (`--name` keys) as yargs options; a plugin command's flags too. */
export function declareFlags<T>(yargs: Argv<T>, flags: Readonly<Record<string, FlagSpec>>): Argv<T> {
  let built = yargs;
  for (const [flag, f] of Object.entries(flags)) {
    const key = flag.replace(/^--(no-)?/, "");
    built = built.option(key, {
      type: f.value === undefined ? "boolean" : "string",
      describe: f.help ?? f.describe,
      ...(f.choices ? { choices: [...f.choices] } : {}),
      ...(f.default !== undefined ? { default: f.default } : {}),
      ...(f.alias ? { alias: f.alias } : {}),
      // One value per flag (`--plugin a --plugin b`): a bare yargs array would also take the command after it.
      ...(f.repeatable ? { array: true, nargs: 1 } : {}),
    }) as Argv<T>;
  }
  return built;
}

/** The PROFILE positional and the flags of a command that resolves a profile (`name` in the grammar). */
export function profileOptions<T>(yargs: Argv<T>, name: string) {
  return grammarOptions(
    yargs.positional("profile", {
      type: "string",
      demandOption: true,
      describe: "Profile name from ~/.aws/config",
    }),
    name,
  );
}

/**
 * A built-in command's yargs head from the CLI grammar: its usage (`exec <profile> [command..]`),
 * aliases and `--help` description (false for a hidden command), so yargs shows what the table says.
 */
export function yargsHead(name: string): { command: string; aliases: string[]; describe: string | false } {
  const spec = COMMAND_SPECS.find((s) => s.name === name);
  if (!spec) throw new Error(`No command "${name}" in the CLI grammar.`);
  return {
    command: spec.usage ? `${name} ${spec.usage}` : name,
    aliases: [...(spec.aliases ?? [])],
    describe: spec.hidden ? false : (spec.help ?? spec.describe),
  };
}
