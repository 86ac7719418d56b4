import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import type { GlobalArgs } from "../context.js";
import { importAwsVault } from "../import-aws-vault.js";
import { importCredentialsFile } from "../import-credentials-file.js";
import { grammarOptions, yargsHead } from "../options.js";

/** Arguments of `vsw import`. */
export interface ImportArgs extends GlobalArgs {
  source: "credentials-file" | "aws-vault";
  profile?: string | undefined;
  keep?: boolean | undefined;
}

/**
 * `vsw import credentials-file [--profile P] [--keep]` moves long-lived keys out of the AWS shared
 * credentials file (import-credentials-file.ts); `vsw import aws-vault [--profile P]` copies those
 * of aws-vault's file backend (import-aws-vault.ts). Both are idempotent and report what they did.
 */
export const importCommand: CommandModule<GlobalArgs, ImportArgs> = {
  ...yargsHead("import"),
  builder: (yargs) =>
    grammarOptions(
      yargs.positional("source", {
        type: "string",
        choices: ["credentials-file", "aws-vault"],
        demandOption: true,
        describe: "Where the keys are now",
      }),
      "import",
    ) as unknown as Argv<ImportArgs>,
  handler: (args) => {
    if (args.source === "credentials-file") return importCredentialsFile(args);
    if (args.keep) {
      throw new VswError("VSW_USAGE", "--keep applies to vsw import credentials-file only.", {
        hint: "aws-vault's store is only read, never changed: there is nothing to back up.",
      });
    }
    return importAwsVault(args);
  },
};
