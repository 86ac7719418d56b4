import type { Argv, CommandModule } from "yargs";
import { pickShell } from "../../plugins/format/env.js";
import { renderShell } from "../../plugins/format/shell-quote.js";
import { SWITCH_VARIABLES, userValues } from "../../plugins/format/variables.js";
import type { GlobalArgs } from "../context.js";
import { grammarOptions, yargsHead } from "../options.js";
import { writeStdout } from "../stdout.js";

export interface OffArgs extends GlobalArgs {
  shell?: string | undefined;
}

/**
 * `vsw off [--shell S]`: shell code that unsets every variable a switch sets (SWITCH_VARIABLES, the
 * same list `vsw env` unsets first), then gives back the user's own AWS_REGION, AWS_DEFAULT_REGION,
 * AWS_PROFILE and AWS_DEFAULT_PROFILE as they were before the first switch (set, empty or unset).
 * The wrapper's `vsw off` evals it; without the wrapper, `eval "$(vsw off)"`.
 */
export async function runOff(args: OffArgs): Promise<void> {
  const shell = pickShell(args.shell, process.env.SHELL);
  writeStdout(renderShell(shell, SWITCH_VARIABLES, [], userValues(process.env)));
}

export const offCommand: CommandModule<GlobalArgs, OffArgs> = {
  ...yargsHead("off"),
  builder: (yargs) => grammarOptions(yargs, "off") as unknown as Argv<OffArgs>,
  handler: runOff,
};
