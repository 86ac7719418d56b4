import type { Argv, CommandModule } from "yargs";
import type { GlobalArgs } from "../context.js";
import { profileOptions } from "../options.js";
import { type PrintArgs, printCredentials } from "../resolve.js";

export interface EnvArgs extends PrintArgs {
  shell?: string | undefined;
}

/** `vsw env PROFILE [--shell S]`: shell code to `eval`. */
export function runEnv(args: EnvArgs): Promise<void> {
  return printCredentials(args, "env", args.shell);
}

export const envCommand: CommandModule<GlobalArgs, EnvArgs> = {
  command: "env <profile>",
  describe: 'Print shell code that switches to PROFILE: eval "$(vsw env dev)"',
  builder: (yargs) => profileOptions(yargs, "env") as unknown as Argv<EnvArgs>,
  handler: runEnv,
};
