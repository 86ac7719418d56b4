/**
 * The `vsw` binary. The hot commands take a strict fast path (no yargs); everything else, help
 * included, goes through yargs, loaded only then. Built twice (scripts/build.mjs): the hot bundle
 * (`VSW_HOT_BUNDLE`) has no yargs path and hands such command lines to the full bundle instead.
 */
import { runComplete } from "./commands/complete.js";
import { runEnv } from "./commands/env.js";
import { runExport } from "./commands/export.js";
import { runOff } from "./commands/off.js";
import { parseFast } from "./fast.js";
import { ioError, report } from "./report.js";
import { shutdownAll } from "./shutdown.js";
import { EXIT_PIPE } from "./stdout.js";

declare const VSW_HOT_BUNDLE: boolean;
/** The launcher's hand-off to the full bundle (launcher.ts), in the hot bundle. */
declare const __vswFull: () => void;

/** Whether anything used `process.stdout` or `process.stderr` (see {@link exitEarly}). */
let stdioUsed = false;

/** Notes the first use of `process.stdout` or `process.stderr`, for {@link exitEarly}. */
function watchStdio(): void {
  for (const name of ["stdout", "stderr"] as const) {
    const original = Object.getOwnPropertyDescriptor(process, name);
    const get = original?.get;
    if (!original || !get) continue;
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: original.enumerable,
      get() {
        stdioUsed = true;
        Object.defineProperty(process, name, original);
        return get.call(process);
      },
    });
  }
}

/**
 * Ends a hot command (`env`, `export`, `off`, Tab) at once when it is done and nothing is left to
 * wait for. Why: Node's orderly end frees the whole environment first, about 2 ms of a 30 ms
 * switch; `process.exit` skips that. Only when no stdio stream was used (its writes may still be
 * queued on some platforms: the hot commands write stdout with one synchronous write) and no
 * handle or request is still active (a plugin's unfinished work).
 */
function exitEarly(): void {
  if (stdioUsed || process.getActiveResourcesInfo().length > 0) return;
  process.exit();
}

async function main(argv: string[]): Promise<void> {
  const fast = parseFast(argv);
  const isHot = argv[0] === "__complete" || fast !== undefined;
  if (!isHot && typeof VSW_HOT_BUNDLE === "boolean" && VSW_HOT_BUNDLE) {
    // Nothing was done yet: the full bundle runs the command line from the start.
    __vswFull();
    return;
  }
  if (isHot) watchStdio();
  try {
    // Shell completion runs on every TAB: answered here, without yargs (protocol in complete.ts).
    if (argv[0] === "__complete") await runComplete(argv.slice(1));
    else if (fast?.name === "env") await runEnv(fast.args);
    else if (fast?.name === "export") await runExport(fast.args);
    else if (fast?.name === "off") await runOff(fast.args);
    else if (!(typeof VSW_HOT_BUNDLE === "boolean" && VSW_HOT_BUNDLE)) {
      // (Never in the hot bundle: the condition is false there at build time, so yargs.js and
      // the commands behind it are not in it.)
      watchStdout();
      const { runYargs } = await import("./yargs.js");
      await runYargs(argv);
      return;
    }
    hot = true;
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

/** Set when a hot command finished without an error. */
let hot = false;

void main(process.argv.slice(2)).then(() => {
  if (hot) exitEarly();
});
