/**
 * The `vsw` binary. The hot commands take a strict fast path (no yargs); everything else, help
 * included, goes through yargs, loaded only then.
 */
import { runComplete } from "./commands/complete.js";
import { runEnv } from "./commands/env.js";
import { runExport } from "./commands/export.js";
import { runOff } from "./commands/off.js";
import { parseFast } from "./fast.js";
import { ioError, report } from "./report.js";
import { shutdownAll } from "./shutdown.js";
import { EXIT_PIPE } from "./stdout.js";

async function main(argv: string[]): Promise<void> {
  const fast = parseFast(argv);
  try {
    // Shell completion runs on every TAB: answered here, without yargs (protocol in complete.ts).
    if (argv[0] === "__complete") return await runComplete(argv.slice(1));
    if (fast?.name === "env") return await runEnv(fast.args);
    if (fast?.name === "export") return await runExport(fast.args);
    if (fast?.name === "off") return await runOff(fast.args);
    watchStdout();
    const { runYargs } = await import("./yargs.js");
    await runYargs(argv);
  } catch (error) {
    process.exitCode = await report(error, argv.includes("--debug"));
  } finally {
    // Plugins that started servers or children stop them (the `shutdown` hook), also after an error.
    await shutdownAll();
  }
}

/**
 * The other commands write through `process.stdout`. A write to it fails as an event, after the
 * command has returned: a closed pipe ends vsw quietly, as SIGPIPE ends other programs (Node
 * ignores SIGPIPE); any other failure (a full disk, `> /dev/full`) is one `vsw:` line with its
 * code, never a stack trace. (The hot commands write with writeStdout, which does the same.)
 */
function watchStdout(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(EXIT_PIPE);
    void report(ioError(error, error, "the output"), false).then((code) => process.exit(code));
  });
}

void main(process.argv.slice(2));
