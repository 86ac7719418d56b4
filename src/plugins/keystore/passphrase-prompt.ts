/**
 * A no-echo passphrase prompt on the terminal's own streams (never stdout, which carries the
 * payload). A small raw-mode reader instead of the `prompts` package: it is all a passphrase needs,
 * and the keystore loads this module only when it really has to ask.
 */
import { StringDecoder } from "node:string_decoder";
import type { TerminalStreams } from "../../plugin.js";
import { VswError } from "../../plugin.js";

/** How often a new passphrase may be mistyped before giving up. */
const MAX_TRIES = 3;

/**
 * Asks for a new passphrase twice and compares the answers (a typo in a passphrase nobody saw would
 * lock the user out). An empty passphrase is refused.
 */
export async function promptNewPassphrase(streams: TerminalStreams, dir: string): Promise<string> {
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    const first = await askHidden(streams, `New passphrase for the vsw keystore in ${dir}: `);
    if (first === "") {
      streams.output.write("The passphrase must not be empty.\n");
      continue;
    }
    const second = await askHidden(streams, "Repeat the passphrase: ");
    if (first === second) return first;
    streams.output.write("The passphrases do not match.\n");
  }
  throw new VswError("VSW_CANCELLED", "No new passphrase was set for the file keystore.", {
    hint: "Run the command again and type the same non-empty passphrase twice.",
  });
}

/**
 * Writes `question` to the terminal and reads one line without echo (raw mode). Backspace and Ctrl-U
 * edit, Enter ends, Ctrl-C or Ctrl-D on an empty line cancel (`VSW_CANCELLED`); escape sequences
 * (arrow keys) are ignored. On a stream that is not a TTY the line is read as is.
 */
export function askHidden(streams: TerminalStreams, question: string): Promise<string> {
  const { input, output } = streams;
  const raw = input.isTTY === true && typeof input.setRawMode === "function";
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder("utf8");
    let answer: string[] = [];
    let sequence: "none" | "start" | "csi" = "none";
    const finish = (error?: Error, rest = "") => {
      input.removeListener("data", onData);
      input.removeListener("end", onEnd);
      input.removeListener("error", onError);
      if (raw) input.setRawMode?.(false);
      input.pause();
      // Type-ahead (or a pasted "pw\rpw\r") belongs to the next question.
      if (rest !== "") input.unshift(Buffer.from(rest, "utf8"));
      output.write("\n");
      if (error) reject(error);
      else resolve(answer.join(""));
      answer = [];
    };
    const cancel = () => new VswError("VSW_CANCELLED", "The passphrase prompt was cancelled.");
    const onData = (chunk: Buffer | string) => {
      const chars = [...(typeof chunk === "string" ? chunk : decoder.write(chunk))];
      for (const [index, char] of chars.entries()) {
        if (sequence === "start") {
          sequence = char === "[" || char === "O" ? "csi" : "none";
          continue;
        }
        if (sequence === "csi") {
          if (char >= "@" && char <= "~" && !/[0-9;]/.test(char)) sequence = "none";
          continue;
        }
        if (char === "\r" || char === "\n") {
          const skip = char === "\r" && chars[index + 1] === "\n" ? 2 : 1;
          return finish(undefined, chars.slice(index + skip).join(""));
        }
        if (char === "\u0003") return finish(cancel());
        if (char === "\u0004") {
          if (answer.length === 0) return finish(cancel());
        } else if (char === "\u007f" || char === "\b") {
          answer.pop();
        } else if (char === "\u0015") {
          answer = [];
        } else if (char === "\u001b") {
          sequence = "start";
        } else if (char >= " ") {
          answer.push(char);
        }
      }
    };
    const onEnd = () => finish(cancel());
    const onError = (error: Error) => finish(error);
    output.write(question);
    if (raw) input.setRawMode?.(true);
    input.on("data", onData);
    input.once("end", onEnd);
    input.once("error", onError);
    input.resume();
  });
}
