import { isVswError, VswError } from "../core/errors.js";
import { printableText } from "../plugins/printable.js";

/**
 * Text safe to print on a terminal: control, C1 and bidi characters (which a hostile profile name
 * could use to move the cursor or rewrite the screen) are shown as `\u{…}` escapes. The plugins'
 * own function (plugins/printable.ts), so the CLI and the built-in commands escape alike.
 */
export const printable: (text: string) => string = printableText;

/**
 * JSON for stdout that a terminal cannot misread: `JSON.stringify` escapes only U+0000–U+001F, so
 * DEL, the C1 controls (U+009B is a one-byte CSI) and bidi overrides are escaped here as `\uXXXX`,
 * which every JSON parser reads back to the same string.
 */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g,
    (c) => `\\u${(c.codePointAt(0) as number).toString(16).padStart(4, "0")}`,
  );
}

/**
 * The one place that turns an error into stderr text and an exit code: `vsw: <sentence> (CODE)`
 * and a hint line. Exit 2 for usage errors, 1 for everything else. A stack trace only with --debug.
 */
export async function report(error: unknown, debug: boolean): Promise<number> {
  const os = osError(error);
  const err = os
    ? ioError(os, error)
    : isVswError(error)
      ? error
      : new VswError(
          "VSW_PLUGIN_ERROR",
          `Unexpected error: ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
            hint: "Run again with --debug and report the stack trace.",
          },
        );
  const paint = await painter();
  // yargs' usage messages have lines of their own (a choice error lists the choices): those line
  // breaks are kept; each line is still escaped. Every other message is one escaped line.
  const message =
    err.code === "VSW_USAGE" ? err.message.split("\n").map(printable).join("\n") : printable(err.message);
  let text = `${paint.red("vsw:")} ${message} ${paint.dim(`(${err.code})`)}\n`;
  if (err.hint) text += `${paint.yellow("hint:")} ${printable(err.hint)}\n`;
  if (debug) {
    if (err.origin) text += `in plugin "${err.origin.plugin}", hook "${err.origin.hook}"\n`;
    for (let e: unknown = err; e instanceof Error; e = e.cause)
      text += `${(e.stack ?? e.message).split("\n").map(printable).join("\n")}\n`;
  }
  process.stderr.write(text);
  return err.code === "VSW_USAGE" ? 2 : 1;
}

/**
 * The operating system's error behind `error` (itself, or the cause of a plugin's error): a full
 * disk, a directory where a file belongs, a closed pipe are the machine's state, not a bug to report.
 */
function osError(error: unknown): NodeJS.ErrnoException | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code) && (e as NodeJS.ErrnoException).syscall)
      return e as NodeJS.ErrnoException;
    // A VswError that is not a plugin's wrapper already says what failed.
    if (isVswError(e) && e.code !== "VSW_PLUGIN_ERROR") return undefined;
  }
  return undefined;
}

const OS_TEXT: Record<string, string> = {
  ENOSPC: "no space left on the device",
  EDQUOT: "the disk quota is exceeded",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  EIO: "an input/output error",
  ENOENT: "no such file or directory",
  EMFILE: "too many open files",
  EPIPE: "the reader closed the pipe",
};

/** `vsw: Could not write "/path": no space left on the device (ENOSPC).` `target` names what has no path (stdout). */
export function ioError(os: NodeJS.ErrnoException, cause: unknown, target?: string): VswError {
  const what = os.syscall ?? "use";
  // A rename that fails names its destination (the temp file it came from means nothing to a user).
  const file = (os as { dest?: string }).dest ?? os.path;
  const subject = file ? `"${printable(file)}"` : (target ?? "a file");
  const text = OS_TEXT[os.code as string] ?? os.message.replace(/^E[A-Z0-9]+: /, "").split(",")[0];
  return new VswError("VSW_IO_ERROR", `Could not ${what} ${subject}: ${text} (${os.code}).`, {
    cause,
    hint:
      os.code === "ENOSPC" || os.code === "EDQUOT"
        ? "Free some disk space and run the command again."
        : "Check the path and its permissions.",
  });
}

interface Painter {
  red(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
}

/** Colour only on a terminal and without NO_COLOR (no-color.org); chalk is loaded only then. */
async function painter(): Promise<Painter> {
  if (!process.stderr.isTTY || process.env.NO_COLOR) return { red: String, yellow: String, dim: String };
  const { chalkStderr } = await import("chalk");
  return chalkStderr;
}
