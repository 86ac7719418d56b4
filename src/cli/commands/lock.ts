import type { CommandModule } from "yargs";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { yargsHead } from "../options.js";

/** `vsw lock`: forgets the unlocked keystore key, so the next command asks for the passphrase again. */
export async function runLock(args: GlobalArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const keystore = vsw.keystore();
  const forgotten = keystore.lock?.() ?? false;
  process.stdout.write(
    forgotten
      ? `Locked the ${keystore.name} keystore: the next command asks for its passphrase.\n`
      : `The ${keystore.name} keystore was not unlocked.\n`,
  );
}

export const lockCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  ...yargsHead("lock"),
  handler: runLock,
};
