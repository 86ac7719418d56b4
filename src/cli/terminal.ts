import { openSync } from "node:fs";
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
