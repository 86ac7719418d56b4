/**
 * The `vsw` binary. The hot commands take a strict fast path (no yargs); everything else, help
 * included, goes through yargs, loaded only then.
 */
import { runComplete } from "./commands/complete.js";
import { runEnv } from "./commands/env.js";
import { runExport } from "./commands/export.js";
import { runOff } from "./commands/off.js";
import { parseFast } from "./fast.js";
import { report } from "./report.js";

async function main(argv: string[]): Promise<void> {
  const fast = parseFast(argv);
  try {
    // Shell completion runs on every TAB: answered here, without yargs (protocol in complete.ts).
    if (argv[0] === "__complete") return await runComplete(argv.slice(1));
    if (fast?.name === "env") return await runEnv(fast.args);
    if (fast?.name === "export") return await runExport(fast.args);
    if (fast?.name === "off") return await runOff(fast.args);
    const { runYargs } = await import("./yargs.js");
    await runYargs(argv);
  } catch (error) {
    process.exitCode = await report(error, argv.includes("--debug"));
  }
}

await main(process.argv.slice(2));
