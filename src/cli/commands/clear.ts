import type { Argv, CommandModule } from "yargs";
import { parseItem } from "../../core/items.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";

export interface ClearArgs extends GlobalArgs {
  profile?: string | undefined;
}

/** `vsw clear [PROFILE]`: drops cached sessions (all, or PROFILE's); stored keys stay. */
export async function runClear(args: ClearArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const keystore = vsw.keystore();
  let count = 0;
  for (const item of await keystore.list()) {
    const parsed = parseItem(item.name);
    if (parsed.kind !== "session" || (args.profile !== undefined && parsed.profile !== args.profile))
      continue;
    if (await keystore.delete(item.name)) count++;
  }
  process.stdout.write(`Cleared ${count} cached session${count === 1 ? "" : "s"}.\n`);
}

export const clearCommand: CommandModule<GlobalArgs, ClearArgs> = {
  command: "clear [profile]",
  describe: "Drop cached sessions (of PROFILE, or all)",
  builder: (yargs) => yargs.positional("profile", { type: "string" }) as unknown as Argv<ClearArgs>,
  handler: runClear,
};
