import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import { keysItem, parseItem } from "../../core/items.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { grammarOptions, yargsHead } from "../options.js";
import { printable } from "../report.js";
import { confirm } from "../terminal.js";

export interface RemoveArgs extends GlobalArgs {
  profile: string;
  force?: boolean | undefined;
}

/** `vsw remove PROFILE [--force]`: deletes the stored keys and the profile's cached sessions. */
export async function runRemove(args: RemoveArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const keystore = vsw.keystore();
  const items = await keystore.list();
  if (!items.some((item) => item.name === keysItem(args.profile))) {
    throw new VswError(
      "VSW_KEYS_NOT_FOUND",
      `Profile "${args.profile}" has no keys in the ${keystore.name} keystore.`,
      {
        hint: "vsw list shows what is stored.",
      },
    );
  }
  if (!args.force) {
    const terminal = vsw.terminal.open();
    if (!terminal) {
      throw new VswError(
        "VSW_NO_TTY",
        `Removing the keys of "${args.profile}" needs a confirmation on a terminal.`,
        {
          hint: "Pass --force to remove without asking.",
        },
      );
    }
    // The name is the user's, but it reaches the terminal: escaped as every message is.
    await confirm(
      terminal,
      `Delete the keys of "${printable(args.profile)}" from the ${keystore.name} keystore?`,
      "Nothing was removed.",
    );
  }
  await keystore.open();
  for (const item of items) {
    const parsed = parseItem(item.name);
    if (parsed.kind !== "other" && parsed.profile === args.profile) await keystore.delete(item.name);
  }
  process.stdout.write(`Removed the keys and cached sessions of "${printable(args.profile)}".\n`);
}

export const removeCommand: CommandModule<GlobalArgs, RemoveArgs> = {
  ...yargsHead("remove"),
  builder: (yargs) =>
    grammarOptions(
      yargs.positional("profile", { type: "string", demandOption: true }),
      "remove",
    ) as unknown as Argv<RemoveArgs>,
  handler: runRemove,
};
