import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import type { GlobalArgs } from "../context.js";
import { grammarOptions, yargsHead } from "../options.js";

/** Placeholder while issue 9 is built: `vsw keystore`. */
export const keystoreCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  ...yargsHead("keystore"),
  builder: (yargs) => grammarOptions(yargs, "keystore") as unknown as Argv<GlobalArgs>,
  handler: () => {
    throw new VswError("VSW_NOT_SUPPORTED", "vsw keystore is not built yet.");
  },
};
