/**
 * Where `vsw mfa add` reads a TOTP secret from: stdin when it is not a terminal (`< secret.txt`, a
 * pipe from a password manager), else a hidden prompt on the terminal. Never argv, where `ps` and
 * the shell's history would show it.
 */
import { VswError } from "../core/errors.js";
import type { TerminalStreams } from "../core/vsw.js";
import { printable } from "./report.js";

/** An otpauth URI with a long issuer and label is well under this. */
const MAX_INPUT_BYTES = 16 * 1024;

/** The secret or URI as typed or piped, untrimmed; `serial` only names the device in the prompt. */
export async function readTotpInput(
  terminal: () => TerminalStreams | undefined,
  serial: string,
): Promise<string> {
  if (!process.stdin.isTTY) return readStdin();
  return fromTerminal(terminal(), serial);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES) {
      throw new VswError(
        "VSW_TOTP_INVALID",
        "What came on stdin is longer than a TOTP secret or otpauth:// URI.",
        {
          hint: "Give only the base32 secret or the otpauth://totp/ URI, on one line.",
        },
      );
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") {
    throw new VswError("VSW_TOTP_INVALID", "Nothing came on stdin: no TOTP secret to store.", {
      hint: "Pipe the base32 secret or otpauth://totp/ URI in (vsw mfa add PROFILE < secret.txt), or run on a terminal to type it.",
    });
  }
  return text;
}

async function fromTerminal(terminal: TerminalStreams | undefined, serial: string): Promise<string> {
  if (!terminal) {
    throw new VswError("VSW_NO_TTY", "vsw mfa add needs a terminal to ask for the TOTP secret.", {
      hint: "Pipe it in instead: vsw mfa add PROFILE < secret.txt.",
    });
  }
  try {
    const { default: prompts } = await import("prompts");
    let cancelled = false;
    const answer = await prompts(
      {
        // Hidden as it is typed or pasted: the secret is the device itself.
        type: "password",
        name: "secret",
        message: `TOTP secret (base32) or otpauth:// URI of ${printable(serial)}`,
        stdin: terminal.input as NodeJS.ReadStream,
        stdout: terminal.output as NodeJS.WriteStream,
      },
      {
        onCancel: () => {
          cancelled = true;
          return false;
        },
      },
    );
    if (cancelled || typeof answer.secret !== "string") {
      throw new VswError("VSW_CANCELLED", "Nothing was stored: the prompt was cancelled.");
    }
    return answer.secret;
  } finally {
    terminal.close();
  }
}
