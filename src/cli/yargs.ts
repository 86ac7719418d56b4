import type { CommandModule } from "yargs";
import { VswError } from "../core/errors.js";
import { commands } from "./commands/index.js";
import type { GlobalArgs } from "./context.js";

declare const VSW_VERSION: string;

/** The full CLI: strict yargs, `--help` everywhere, one place for usage errors (exit 2). */
export async function runYargs(argv: string[]): Promise<void> {
  // Loaded here, not at the top: the hot path (bin.ts fast path) must never read yargs.
  const { default: yargs } = await import("yargs");
  const cli = yargs(argv)
    .scriptName("vsw")
    .usage("$0 <command> [options]\n\nShort-lived AWS sessions from keys kept in a keystore.")
    .option("keystore", {
      type: "string",
      describe: "Keystore to use (default: $VSW_KEYSTORE or file)",
      global: true,
    })
    .option("debug", {
      type: "boolean",
      describe: "Trace hooks and plugins on stderr (never values)",
      global: true,
    })
    .option("plugin", {
      type: "string",
      array: true,
      describe: "Load a plugin (path or package); also VSW_PLUGINS",
      global: true,
    })
    .parserConfiguration({ "populate--": true })
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
  for (const command of commands) cli.command(command as CommandModule<GlobalArgs, GlobalArgs>);
  await cli.parseAsync();
}
