import { openSync } from "node:fs";
import { VswError } from "../core/errors.js";
import type { Terminal, TerminalStreams } from "../core/vsw.js";

/**
 * The controlling terminal, opened on demand as `/dev/tty` so prompts work even when stdout is
 * captured by `eval "$(vsw env p)"` and stdin is a pipe.
 */
export const devTty: Terminal = {
  open(): TerminalStreams | undefined {
    let inFd: number;
    let outFd: number;
    try {
      inFd = openSync("/dev/tty", "r");
      outFd = openSync("/dev/tty", "w");
    } catch {
      return undefined;
    }
    // node:tty (and the net module behind it) costs ~15 ms to load: only when a prompt needs it.
    const { ReadStream, WriteStream } = process.getBuiltinModule("node:tty");
    const input = new ReadStream(inFd);
    const output = new WriteStream(outFd);
    return {
      input,
      output,
      fds: [inFd, outFd],
      close() {
        input.setRawMode?.(false);
        input.destroy();
        output.destroy();
      },
    };
  },
};

/**
 * A yes/no question on the terminal, "no" by default; closes the terminal. Anything but "yes" is
 * `VSW_CANCELLED` with `cancelled` as its message (what was left as it was).
 */
export async function confirm(terminal: TerminalStreams, question: string, cancelled: string): Promise<void> {
  try {
    const { default: prompts } = await import("prompts");
    const { ok } = await prompts({
      type: "confirm",
      name: "ok",
      message: question,
      initial: false,
      stdin: terminal.input as NodeJS.ReadStream,
      stdout: terminal.output as NodeJS.WriteStream,
    });
    if (ok !== true) throw new VswError("VSW_CANCELLED", cancelled);
  } finally {
    terminal.close();
  }
}
