import type { Argv, CommandModule } from "yargs";
import type { GlobalArgs } from "../context.js";
import { profileOptions, yargsHead } from "../options.js";
import { type PrintArgs, printCredentials } from "../resolve.js";

export interface EnvArgs extends PrintArgs {
  shell?: string | undefined;
}

/** `vsw env PROFILE [--shell S]`: shell code to `eval`. */
export function runEnv(args: EnvArgs): Promise<void> {
  return printCredentials(args, "env", args.shell);
}

export const envCommand: CommandModule<GlobalArgs, EnvArgs> = {
  ...yargsHead("env"),
  builder: (yargs) => profileOptions(yargs, "env") as unknown as Argv<EnvArgs>,
  handler: runEnv,
};
