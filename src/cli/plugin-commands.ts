/**
 * Commands plugins add through the `commands` hook: checked against the built-in grammar, turned
 * into yargs command modules (so they are in `vsw --help`), and run with the core built for them.
 */
import type { Argv, CommandModule } from "yargs";
import type { CommandArgs, PluginCommand } from "../core/commands.js";
import { isVswError, PluginError, VswError } from "../core/errors.js";
import type { Vsw } from "../core/vsw.js";
import { COMMAND_SPECS } from "./complete-specs.js";
import { buildVsw, type GlobalArgs } from "./context.js";
import { declareFlags } from "./options.js";

/** Words a plugin command may not take: the built-in commands, their aliases, and the wrappers' own. */
const RESERVED = new Set([
  "use",
  "off",
  ...COMMAND_SPECS.flatMap((spec) => [spec.name, ...(spec.aliases ?? [])]),
]);

/**
 * The commands the plugins of `vsw` add, checked: a name is a plain word, not a built-in command's
 * and not another plugin's. Anything else is `VSW_PLUGIN_ERROR` naming the command.
 */
export function pluginCommands(vsw: Vsw): PluginCommand[] {
  return ownedCommands(vsw).map(({ command }) => command);
}

/**
 * The waterfall, tap by tap (in stage order, as `call` would run them), so each command is known
 * with the plugin that added it: an error of its `run` is attributed to that plugin.
 */
function ownedCommands(vsw: Vsw): Array<{ command: PluginCommand; plugin: string }> {
  let list: PluginCommand[] = [];
  const owned: Array<{ command: PluginCommand; plugin: string }> = [];
  for (const tap of vsw.hooks.commands.taps) {
    const next = (tap.fn as (commands: PluginCommand[]) => PluginCommand[] | undefined)([...list]) ?? list;
    for (const command of next) {
      if (!list.includes(command)) owned.push({ command, plugin: tap.name });
    }
    list = next;
  }
  const seen = new Set<string>();
  for (const { command } of owned) {
    const name = String(command?.name);
    const words = [name, ...(command?.aliases ?? [])];
    const bad =
      !command || typeof command.run !== "function" || words.some((w) => !/^[a-z][a-z0-9-]*$/.test(w));
    if (bad) {
      throw new VswError("VSW_PLUGIN_ERROR", `A plugin's command "${name}" is not a valid command.`, {
        hint: "A command needs a lowercase name (letters, digits, -), a describe and a run function.",
      });
    }
    const clash = words.find((w) => RESERVED.has(w) || seen.has(w));
    if (clash) {
      throw new VswError("VSW_PLUGIN_ERROR", `A plugin's command "${clash}" clashes with another command.`, {
        hint: "Rename the plugin's command; vsw plugins shows which plugins tap the commands hook.",
      });
    }
    for (const w of words) seen.add(w);
  }
  return owned.filter(({ command }) => list.includes(command));
}

/**
 * The yargs module of a plugin command: `NAME [args..]` with its declared flags. The handler builds
 * the core for the parsed global options (`--keystore`, `--plugin`…) and runs the command there.
 */
export function yargsCommand(command: PluginCommand): CommandModule<GlobalArgs, GlobalArgs> {
  const flags = Object.entries(command.flags);
  return {
    command: `${command.name} [args..]`,
    aliases: [...(command.aliases ?? [])],
    // `vsw --help` lists the first paragraph of `help`; `vsw NAME --help` shows all of it and the usage.
    describe: command.hidden ? false : (command.help ?? command.describe).split("\n\n")[0],
    builder: (yargs: Argv<GlobalArgs>) => {
      let built = yargs.usage(
        `$0 ${command.name} ${command.usage ?? "[args..]"}\n\n${command.help ?? command.describe}`,
      );
      built = built.positional("args", {
        type: "string",
        array: true,
        describe: "Arguments of the command",
      });
      built = declareFlags(built as Argv<GlobalArgs>, command.flags) as typeof built;
      for (const [example, what] of command.examples ?? []) built = built.example(example, what);
      return built as Argv<GlobalArgs>;
    },
    handler: async (args) => {
      const vsw = await buildVsw(args);
      const own = ownedCommands(vsw).find((c) => c.command.name === command.name);
      if (!own) throw new VswError("VSW_USAGE", `Unknown command "${command.name}".`);
      const given: CommandArgs = {
        positionals: [
          ...((args as { args?: unknown[] }).args ?? []),
          ...((args as { "--"?: unknown[] })["--"] ?? []),
        ].map(String),
        flags: Object.fromEntries(flags.map(([flag]) => [flag.slice(2), flagValue(args, flag)])),
      };
      try {
        await own.command.run(given, vsw);
      } catch (error) {
        // A plugin's own VswError keeps its code and message; anything else names the plugin.
        if (isVswError(error)) throw error;
        throw new PluginError(own.plugin, `commands (vsw ${command.name})`, error);
      }
    },
  };
}

/**
 * A flag's value as given: a string, `true`, or absent. `--no-X` is declared as yargs' boolean `X`
 * (declareFlags), so it is `true` when `X` came out `false`.
 */
function flagValue(args: Record<string, unknown>, flag: string): string | string[] | boolean | undefined {
  const negated = flag.startsWith("--no-");
  const value = args[flag.replace(/^--(no-)?/, "")];
  if (negated) return value === false ? true : undefined;
  if (Array.isArray(value)) return value.map(String);
  return typeof value === "number" ? String(value) : (value as string | boolean | undefined);
}
