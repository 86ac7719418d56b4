import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import type { GlobalArgs } from "../context.js";
import { grammarOptions, yargsHead } from "../options.js";

/** Placeholder while issue 9 is built: `vsw import`. */
export const importCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  ...yargsHead("import"),
  builder: (yargs) => grammarOptions(yargs, "import") as unknown as Argv<GlobalArgs>,
  handler: () => {
    throw new VswError("VSW_NOT_SUPPORTED", "vsw import is not built yet.");
  },
};
