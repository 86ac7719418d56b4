import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { runKeystoreList } from "../keystore-list.js";
import { runKeystoreMigrate } from "../keystore-migrate.js";
import { grammarOptions, yargsHead } from "../options.js";

export interface KeystoreArgs extends GlobalArgs {
  action: "list" | "migrate";
  from?: string | undefined;
  to?: string | undefined;
  profile?: string | undefined;
  json?: boolean | undefined;
}

/**
 * `vsw keystore list [--json]`: the keystores, which work here and why not, and which one is used
 * (keystore-list.ts). `vsw keystore migrate --from A --to B [--profile P]`: moves items between two
 * keystores, copy-verify-delete per item (keystore-migrate.ts).
 */
export async function runKeystore(args: KeystoreArgs): Promise<void> {
  const misplaced =
    args.action === "list"
      ? (["from", "to", "profile"] as const).filter((flag) => args[flag] !== undefined)
      : args.json
        ? (["json"] as const)
        : [];
  if (misplaced.length) {
    throw new VswError(
      "VSW_USAGE",
      `vsw keystore ${args.action} takes no ${misplaced.map((flag) => `--${flag}`).join(", ")}.`,
      {
        hint: "vsw keystore list [--json]; vsw keystore migrate --from A --to B [--profile P].",
      },
    );
  }
  const vsw = await buildVsw(args);
  if (args.action === "list") await runKeystoreList(vsw, args);
  else await runKeystoreMigrate(vsw, args);
}

export const keystoreCommand: CommandModule<GlobalArgs, KeystoreArgs> = {
  ...yargsHead("keystore"),
  builder: (yargs) =>
    grammarOptions(
      yargs.positional("action", {
        type: "string",
        choices: ["list", "migrate"],
        demandOption: true,
        describe: "list: the keystores; migrate: move items from --from to --to",
      }),
      "keystore",
    ) as unknown as Argv<KeystoreArgs>,
  handler: runKeystore,
};
