import type { Argv, CommandModule } from "yargs";
import { pickShell } from "../../plugins/format/env.js";
import { renderShell } from "../../plugins/format/shell-quote.js";
import { SWITCH_VARIABLES } from "../../plugins/format/variables.js";
import type { GlobalArgs } from "../context.js";

export interface OffArgs extends GlobalArgs {
  shell?: string | undefined;
}

/**
 * `vsw off [--shell S]`: shell code that unsets every variable a switch sets (SWITCH_VARIABLES, the
 * same list `vsw env` unsets first), and nothing else. The wrapper's `vsw off` evals it; without
 * the wrapper, `eval "$(vsw off)"`.
 */
export async function runOff(args: OffArgs): Promise<void> {
  process.stdout.write(renderShell(pickShell(args.shell, process.env.SHELL), SWITCH_VARIABLES, []));
}

export const offCommand: CommandModule<GlobalArgs, OffArgs> = {
  command: "off",
  describe: 'Print shell code that removes every variable a switch set: eval "$(vsw off)"',
  builder: (yargs) =>
    yargs.option("shell", {
      type: "string",
      choices: ["bash", "zsh", "sh", "fish", "pwsh"],
      describe: "Shell to print for (default: from $SHELL)",
    }) as unknown as Argv<OffArgs>,
  handler: runOff,
};
