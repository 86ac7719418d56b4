/**
 * The hot commands' output (`env`, `export`, `off`, Tab completion), written to fd 1 directly.
 * Why: `process.stdout` on a pipe (`eval "$(vsw env dev)"`) is a net.Socket whose set-up costs
 * about 2 ms of a 20 ms start; a synchronous write of a few hundred bytes costs nothing.
 */
import { writeSync } from "node:fs";
import { ioError } from "./report.js";

/** Exit code when the reader of stdout went away (`vsw list | head -1`): 128 + SIGPIPE, as `cat` or `ls`. */
export const EXIT_PIPE = 141;

/**
 * Writes all of `text` to stdout. A reader that went away ends vsw quietly with {@link EXIT_PIPE};
 * any other failure (a full disk, `> /dev/full`) is a `VSW_IO_ERROR` for the caller to report.
 */
export function writeStdout(text: string): void {
  const data = Buffer.from(text, "utf8");
  let done = 0;
  let waits = 0;
  while (done < data.length) {
    try {
      done += writeSync(1, data, done, data.length - done);
    } catch (error) {
      const os = error as NodeJS.ErrnoException;
      if (os.code === "EPIPE") process.exit(EXIT_PIPE);
      // A descriptor another program left non-blocking: wait for the reader, 1 ms at a time, 10 s at most.
      if (os.code === "EAGAIN" && waits++ < 10_000) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      throw ioError(os, error, "the output");
    }
  }
}
