import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import type { GlobalArgs } from "../context.js";
import { grammarOptions, yargsHead } from "../options.js";

/** Placeholder while issue 10 is built: `vsw mfa`. */
export const mfaCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  ...yargsHead("mfa"),
  builder: (yargs) => grammarOptions(yargs, "mfa") as unknown as Argv<GlobalArgs>,
  handler: () => {
    throw new VswError("VSW_NOT_SUPPORTED", "vsw mfa is not built yet.");
  },
};
