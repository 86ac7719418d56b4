/**
 * Running `pass` and `gpg` for the `pass` keystore, and turning their failures into VswErrors with
 * stable codes. A secret only ever travels on stdin (insert) or stdout (show); error messages are
 * built from stderr, which pass and gpg fill with entry names, key ids and reasons, never values.
 */
import { VswError } from "../../plugin.js";

/** What a finished child left. */
export interface RunResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** How to run one child. */
export interface RunOptions {
  env: Record<string, string>;
  /** Bytes for stdin (then closed); `"inherit"` lends vsw's stdin (pass reads GPG_TTY from it). */
  input?: string | "inherit";
}

/** Runs `file args` without a shell. A missing program rejects with VSW_PASS_NOT_INSTALLED. */
export async function runTool(file: string, args: string[], options: RunOptions): Promise<RunResult> {
  // child_process costs ~15 ms to load; only a run that uses pass pays for it.
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env,
      stdio: [options.input === "inherit" ? "inherit" : "pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "ENOENT" ? notInstalled(file) : error);
    });
    child.on("close", (code, signal) => {
      resolve({
        code: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out),
        stderr: Buffer.concat(err).toString("utf8"),
      });
    });
    if (child.stdin) {
      // pass may exit before reading (e.g. an uninitialised store): EPIPE is its failure, not ours.
      child.stdin.on("error", () => {});
      child.stdin.end(options.input === undefined || options.input === "inherit" ? "" : options.input);
    }
  });
}

export function notInstalled(file: string): VswError {
  const what = file === "pass" ? "`pass`" : `\`${file}\`, which pass needs,`;
  return new VswError(
    "VSW_PASS_NOT_INSTALLED",
    `The pass keystore needs ${what} but it is not installed (not on PATH).`,
    {
      hint: "Install it (apt install pass, or brew install pass) or choose another keystore (--keystore file).",
    },
  );
}

export function notInitialised(storeDir: string): VswError {
  return new VswError(
    "VSW_PASS_NOT_INITIALISED",
    `The password store "${storeDir}" is not initialised (it has no .gpg-id).`,
    {
      hint: "Run `pass init GPG-ID` with the id of your GPG key (see gpg --list-secret-keys), or set PASSWORD_STORE_DIR.",
    },
  );
}

/** Lines of gpg's stderr that are progress, not the reason of a failure. */
const GPG_NOISE =
  /checking the trustdb|marginals needed|depth: \d|next trustdb check|encrypted with|^\s+"|WARNING: unsafe|keybox .* created/;

/** The first line of gpg's stderr that explains a failure, without the `gpg: ` prefix. */
export function gpgReason(stderr: string): string | undefined {
  for (const line of stderr.split("\n")) {
    const match = /^gpg: (.*)$/.exec(line.trim());
    if (match?.[1] && !GPG_NOISE.test(match[1])) return match[1];
  }
  return undefined;
}

/** The first non-empty line of stderr, for an unexpected failure. */
export function firstLine(stderr: string): string {
  return (
    stderr
      .split("\n")
      .find((line) => line.trim() !== "")
      ?.trim() ?? "no error output"
  );
}

/**
 * Maps a failed `pass` run to an error: uninitialised store, gpg failure, or VSW_PASS_FAILED with
 * pass's first error line. `what` names the operation ("read the item "keys/prod"").
 */
export function passFailure(
  result: RunResult,
  what: string,
  storeDir: string,
  recipients: string[],
): VswError {
  const stderr = result.stderr;
  if (/You must run:|before you may use the password store/.test(stderr)) return notInitialised(storeDir);
  if (/command not found/.test(stderr) && /\bgpg2?\b/.test(stderr)) return notInstalled("gpg");
  const reason = gpgReason(stderr);
  if (reason !== undefined || /Password encryption aborted/.test(stderr)) {
    return gpgFailed(what, reason ?? "encryption aborted", recipients);
  }
  return new VswError("VSW_PASS_FAILED", `pass could not ${what}: ${firstLine(stderr)}`, {
    hint: "Run the same pass command by hand to see its full output.",
  });
}

/** VSW_PASS_GPG_FAILED with a hint that fits gpg's reason. */
export function gpgFailed(what: string, reason: string, recipients: string[]): VswError {
  const ids = recipients.length ? recipients.join(", ") : "the store's key";
  let hint: string;
  if (/unusable public key/i.test(reason)) {
    hint = `The key ${ids} is expired or revoked: extend it (gpg --quick-set-expire FINGERPRINT 1y) or move the store to a new key (pass init NEW-ID).`;
  } else if (/no public key/i.test(reason)) {
    hint = `This GNUPGHOME has no public key ${ids}: import it (gpg --import) or check GNUPGHOME and the store's .gpg-id.`;
  } else if (/no assurance|untrusted|not trusted/i.test(reason)) {
    hint = `gpg does not trust the key ${ids}: trust it (gpg --edit-key ID trust) or run pass init with your own key.`;
  } else if (/no secret key/i.test(reason)) {
    hint = `This GNUPGHOME has no secret key for ${ids}: import it (gpg --import), or point GNUPGHOME at the keyring that has it.`;
  } else if (/pinentry|cancel|passphrase|agent|unlock|inappropriate ioctl/i.test(reason)) {
    hint =
      "gpg-agent could not unlock the key: run `pass show` on any entry in a terminal once to cache its passphrase (export GPG_TTY=$(tty) for pinentry-curses), or check pinentry-program in gpg-agent.conf.";
  } else {
    hint = "Run `gpg --list-secret-keys` and check the key of the store's .gpg-id is usable here.";
  }
  return new VswError("VSW_PASS_GPG_FAILED", `gpg could not ${what} (${reason}).`, { hint });
}
