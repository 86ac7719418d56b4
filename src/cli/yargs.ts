import type { Argv, CommandModule, Options } from "yargs";
import { VswError } from "../core/errors.js";
import { builtinPluginCommands } from "./builtin-commands.js";
import { commands } from "./commands/index.js";
import { BUILTIN_PLUGIN_COMMANDS, COMMAND_SPECS, GLOBAL_FLAGS } from "./complete-specs.js";
import { type GlobalArgs, hasTeamPlugins, prebuildVsw } from "./context.js";
import { pluginCommands, yargsCommand } from "./plugin-commands.js";

declare const VSW_VERSION: string;

/**
 * aws-vault's verbs that vsw does not have yet: a clear answer with a stable code, rather than
 * "Unknown command" and yargs' "Did you mean lock?" for `login`.
 */
const NOT_YET = ["proxy"];

/** aws-vault's `exec` flag for an EC2 metadata (IMDS) server, not in vsw (`--server` is the ECS one). */
const EXEC_SERVER_FLAGS = ["ec2-server"];

/**
 * Options that take a value, from the CLI grammar: given without one (`--format` at the end,
 * `--region=`), they are refused.
 */
const VALUE_OPTIONS = [GLOBAL_FLAGS, ...COMMAND_SPECS.map((spec) => spec.flags)].flatMap((flags) =>
  Object.entries(flags)
    .filter(([, flag]) => flag.value !== undefined)
    .map(([name]) => name.slice(2)),
);

/** The full CLI: strict yargs, `--help` everywhere, one place for usage errors (exit 2). */
export async function runYargs(argv: string[]): Promise<void> {
  // Loaded here, not at the top: the hot path (bin.ts fast path) must never read yargs.
  const { default: yargs } = await import("yargs");
  requireValues(argv);
  const cli = yargs(protectOperands(argv))
    .scriptName("vsw")
    .usage("$0 <command> [options]\n\nShort-lived AWS sessions from keys kept in a keystore.")
    .options(globalOptions())
    .parserConfiguration({ "populate--": true })
    .middleware(unprotect)
    .strict()
    .demandCommand(1, "Name a command; vsw --help lists them.")
    .recommendCommands()
    .version(typeof VSW_VERSION === "string" ? VSW_VERSION : "dev")
    .help()
    .alias("h", "help")
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) throw error;
      throw new VswError("VSW_USAGE", message ?? "Invalid usage.", {
        hint: "Run vsw --help, or vsw COMMAND --help.",
      });
    });
  for (const command of commands) cli.command(withExtras(command as CommandModule<GlobalArgs, GlobalArgs>));
  for (const verb of NOT_YET) cli.command(notYet(verb));
  // Plugins' commands (the `commands` hook), in --help like the built-ins. The built-in plugins'
  // (`vsw sso`) come from their descriptions, without building the core (their handler builds it,
  // as for any plugin command); the core is built here only when a team plugin is named, so
  // --help stays as fast.
  const globals = globalArgs(argv);
  for (const command of builtinPluginCommands()) cli.command(yargsCommand(command));
  if (hasTeamPlugins(globals.plugin)) {
    for (const command of pluginCommands(await prebuildVsw(globals))) {
      if (!BUILTIN_PLUGIN_COMMANDS.includes(command.name)) cli.command(yargsCommand(command));
    }
  }
  await cli.parseAsync();
}

/** A command with its examples (from the CLI grammar), and `exec` refusing aws-vault's server flags. */
function withExtras(command: CommandModule<GlobalArgs, GlobalArgs>): CommandModule<GlobalArgs, GlobalArgs> {
  const name = String(command.command ?? "").split(" ")[0] as string;
  const builder = command.builder;
  return {
    ...command,
    builder: (y: Argv<GlobalArgs>) => {
      let built = (typeof builder === "function" ? builder(y) : y.options(builder ?? {})) as Argv<GlobalArgs>;
      const examples = COMMAND_SPECS.find((spec) => spec.name === name)?.examples ?? [];
      for (const [example, what] of examples) built = built.example(example, what);
      if (name === "exec") {
        for (const flag of EXEC_SERVER_FLAGS) built = built.option(flag, { type: "boolean", hidden: true });
      }
      return built;
    },
    handler: (args) => {
      const server = name === "exec" && EXEC_SERVER_FLAGS.find((flag) => args[flag] !== undefined);
      // `--server` = `--ecs-server`, as in aws-vault v7: the built-in ecs-server plugin's command.
      if (name === "exec" && !server && (args.server === true || args["ecs-server"] === true)) {
        return import("./exec-server.js").then(({ runExecServer }) => runExecServer(args as never));
      }
      if (server) {
        throw new VswError("VSW_NOT_SUPPORTED", `"vsw exec --${server}" is not supported yet.`, {
          hint: "vsw exec --server serves the ECS container-credentials protocol, which the AWS SDKs and CLI read.",
        });
      }
      return command.handler(args);
    },
  };
}

/** The global options (every command's), from the CLI grammar's GLOBAL_FLAGS but `--help` (yargs' own). */
function globalOptions(): Record<string, Options> {
  const options: Record<string, Options> = {};
  for (const [flag, f] of Object.entries(GLOBAL_FLAGS)) {
    if (flag === "--help") continue;
    options[flag.slice(2)] = {
      type: f.value === undefined ? "boolean" : "string",
      describe: f.help ?? f.describe,
      global: true,
      // One value per flag (`--plugin a --plugin b`): a bare yargs array would also take the command after it.
      ...(f.repeatable ? { array: true, nargs: 1 } : {}),
    };
  }
  return options;
}

/**
 * `--plugin`, `--keystore`, `--debug` and `--mfa-token` of a command line, read before yargs parses
 * it: what `buildVsw` is given, so the command's own build reuses this one.
 */
function globalArgs(argv: readonly string[]): GlobalArgs & { mfaToken?: string } {
  const dash = argv.indexOf("--");
  const words = dash === -1 ? argv : argv.slice(0, dash);
  const args: GlobalArgs & { plugin: string[]; mfaToken?: string } = { plugin: [] };
  for (const [i, word] of words.entries()) {
    const eq = word.indexOf("=");
    const name = eq === -1 ? word : word.slice(0, eq);
    const value = eq === -1 ? words[i + 1] : word.slice(eq + 1);
    if (name === "--plugin" && value) args.plugin.push(value);
    else if (name === "--keystore" && value) args.keystore = value;
    else if (name === "--mfa-token" && value) args.mfaToken = value;
    else if (word === "--debug") args.debug = true;
  }
  return args;
}

function notYet(verb: string): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: `${verb} [words..]`,
    describe: false,
    builder: (y) => y.strict(false),
    handler: () => {
      throw new VswError("VSW_NOT_SUPPORTED", `"vsw ${verb}" (aws-vault's ${verb}) is not supported yet.`, {
        hint: "vsw --help lists the commands vsw has.",
      });
    },
  };
}

/**
 * Why: after `--`, words are operands even when they start with `-` (POSIX guideline 10), so
 * `vsw env -- -weird` names the profile `-weird`. yargs puts them aside (populate--, which `exec`
 * needs for its command), so for every other command they are handed back as positionals, each
 * prefixed with NUL — a byte no argv can hold — so yargs cannot read one as a flag; `unprotect`
 * strips it before the handler runs.
 */
function protectOperands(argv: string[]): string[] {
  const dash = argv.indexOf("--");
  if (dash === -1 || argv.slice(0, dash).includes("exec")) return argv;
  return [...argv.slice(0, dash), ...argv.slice(dash + 1).map((word) => `\0${word}`)];
}

function unprotect(args: Record<string, unknown>): void {
  const strip = (value: unknown): unknown =>
    typeof value === "string" && value.startsWith("\0")
      ? value.slice(1)
      : Array.isArray(value)
        ? value.map(strip)
        : value;
  for (const key of Object.keys(args)) args[key] = strip(args[key]);
}

/**
 * Refuses a value option given without its value, before yargs reads it: yargs would take the next
 * flag's place as "" or fall back to the default (`--format` at the end meant json).
 */
function requireValues(argv: readonly string[]): void {
  const dash = argv.indexOf("--");
  const words = dash === -1 ? argv : argv.slice(0, dash);
  for (const [i, word] of words.entries()) {
    const eq = word.indexOf("=");
    const name = word.startsWith("--") ? word.slice(2, eq === -1 ? undefined : eq) : "";
    if (!VALUE_OPTIONS.includes(name)) continue;
    const value = eq === -1 ? words[i + 1] : word.slice(eq + 1);
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
      throw new VswError("VSW_USAGE", `--${name} needs a value.`, {
        hint: "Run vsw COMMAND --help to see what it takes.",
      });
    }
  }
}
