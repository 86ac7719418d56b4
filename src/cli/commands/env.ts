import type { Argv, CommandModule } from "yargs";
import type { GlobalArgs, ProfileArgs } from "../context.js";
import { profileOptions } from "../options.js";
import { printCredentials } from "../resolve.js";

export interface EnvArgs extends ProfileArgs {
  shell?: string | undefined;
}

/** `vsw env PROFILE [--shell S]`: shell code to `eval`. */
export function runEnv(args: EnvArgs): Promise<void> {
  return printCredentials(args, "env", args.shell);
}

export const envCommand: CommandModule<GlobalArgs, EnvArgs> = {
  command: "env <profile>",
  describe: 'Print shell code that switches to PROFILE: eval "$(vsw env dev)"',
  builder: (yargs) =>
    profileOptions(yargs).option("shell", {
      type: "string",
      choices: ["bash", "zsh", "sh", "fish", "pwsh"],
      describe: "Shell to print for (default: from $SHELL)",
    }) as unknown as Argv<EnvArgs>,
  handler: runEnv,
};
