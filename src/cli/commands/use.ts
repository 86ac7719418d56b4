import type { Argv, CommandModule } from "yargs";
import { commandHint, VswError } from "../../core/errors.js";
import type { GlobalArgs, ProfileArgs } from "../context.js";
import { profileOptions, yargsHead } from "../options.js";

/**
 * `vsw use PROFILE`: switching the current shell is something only the shell integration can do
 * (a program cannot change its parent's environment). The wrapper handles `use` itself; the binary
 * explains how to get there instead of failing with "unknown command".
 */
export async function runUse(args: ProfileArgs): Promise<void> {
  throw new VswError(
    "VSW_USAGE",
    `"${commandHint("vsw use", args.profile)}" switches the current shell and needs the shell integration.`,
    {
      hint: `Add the line "vsw init" prints to your shell's rc file, or run: eval "$(${commandHint("vsw env", args.profile)})"`,
    },
  );
}

export const useCommand: CommandModule<GlobalArgs, ProfileArgs> = {
  ...yargsHead("use"),
  builder: (yargs) => profileOptions(yargs, "use") as unknown as Argv<ProfileArgs>,
  handler: runUse,
};
