import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import { parseItem } from "../../core/items.js";
import { knownProfiles } from "../../core/pipeline.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { yargsHead } from "../options.js";
import { printable } from "../report.js";

export interface ClearArgs extends GlobalArgs {
  profile?: string | undefined;
}

/**
 * `vsw clear [PROFILE]`: drops cached sessions (all, or PROFILE's); stored keys stay. A PROFILE
 * that names no profile and no cached session is an error, so a typo does not pass for "done".
 */
export async function runClear(args: ClearArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const keystore = vsw.keystore();
  let count = 0;
  let matched = false;
  for (const item of await keystore.list()) {
    const parsed = parseItem(item.name);
    if (parsed.kind === "other" || (args.profile !== undefined && parsed.profile !== args.profile)) continue;
    matched = true;
    if (parsed.kind === "session" && (await keystore.delete(item.name))) count++;
  }
  if (args.profile !== undefined && count === 0) {
    const name = printable(args.profile);
    if (!matched && !(await knownProfiles(vsw)).profiles.has(args.profile)) {
      throw new VswError(
        "VSW_PROFILE_NOT_FOUND",
        `Nothing matched "${name}": no such profile and no cached session.`,
        {
          hint: 'Run "vsw list" to see the profiles and their cached sessions.',
        },
      );
    }
    process.stdout.write(`No cached session of "${name}" to clear.\n`);
    return;
  }
  process.stdout.write(`Cleared ${count} cached session${count === 1 ? "" : "s"}.\n`);
}

export const clearCommand: CommandModule<GlobalArgs, ClearArgs> = {
  ...yargsHead("clear"),
  builder: (yargs) => yargs.positional("profile", { type: "string" }) as unknown as Argv<ClearArgs>,
  handler: runClear,
};
