/**
 * Runs `ykman` and reads what it says. The texts matched are ykman's own (yubikey-manager's
 * ykman/_cli/__main__.py, oath.py and util.py): 5.x logs a failure as "ERROR: <message>", 4.x
 * (Debian 12) echoes "Error: <message>"; both exit 1. A PC/SC warning may come first.
 */
import type { Env, TerminalStreams } from "../../plugin.js";
import { VswError } from "../../plugin.js";

/** How a run ended: an exit, our own time limit, or a failure to start it. */
export type YkmanResult =
  | { kind: "exit"; code: number; stdout: string; stderr: string }
  | { kind: "timeout"; seconds: number; stderr: string }
  | { kind: "spawn-error"; errno: string; message: string };

export interface RunOptions {
  env: Env;
  terminal: TerminalStreams | undefined;
  timeoutMs: number;
  touchAllowanceMs: number;
  /** Called once, when ykman asks for a touch. */
  onTouch(): void;
}

/** The most ykman may print on either stream; a code is a few bytes. */
const MAX_OUTPUT = 64 * 1024;
const TOUCH_LINE = "Touch your YubiKey...";
const PASSWORD_PROMPT = "Enter the password";

/** Runs ykman with `args` (no shell), its stdin the terminal when there is one. */
export async function runYkman(args: string[], options: RunOptions): Promise<YkmanResult> {
  // child_process costs ~15 ms to load; only YubiKey profiles pay for it.
  const { spawn } = await import("node:child_process");
  const { terminal } = options;
  return new Promise<YkmanResult>((resolve) => {
    // PATH from the env handed in: Node looks the command up in options.env.PATH.
    const child = spawn("ykman", args, {
      stdio: [terminal?.fds?.[0] ?? "ignore", "pipe", "pipe"],
      env: options.env as NodeJS.ProcessEnv,
    });
    let stdout = "";
    let stderr = "";
    let pending = "";
    let touched = false;
    let askedPassword = false;
    let settled = false;
    const finish = (result: YkmanResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const started = Date.now();
    const onTimeout = () => {
      child.kill("SIGKILL");
      finish({ kind: "timeout", seconds: Math.round((Date.now() - started) / 1000), stderr });
    };
    let timer = setTimeout(onTimeout, options.timeoutMs);
    child.stdout?.on("data", (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += chunk.toString("utf8");
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      if (stderr.length < MAX_OUTPUT) stderr += text;
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.trim() === TOUCH_LINE && !touched) {
          touched = true;
          // The user now has to act: give the touch its own time on top of ours.
          clearTimeout(timer);
          timer = setTimeout(onTimeout, options.touchAllowanceMs);
          options.onTouch();
        }
      }
      // click prompts without a newline; with a terminal, ykman reads the answer from it.
      if (!askedPassword && terminal && `${pending}${lines.join("\n")}`.includes(PASSWORD_PROMPT)) {
        askedPassword = true;
        terminal.output.write("Password of the YubiKey's OATH application: ");
      }
    });
    child.on("error", (error: NodeJS.ErrnoException) =>
      finish({ kind: "spawn-error", errno: error.code ?? "", message: error.message }),
    );
    child.on("close", (code, signal) =>
      finish({ kind: "exit", code: code ?? (signal ? 128 : 1), stdout, stderr }),
    );
  });
}

/** What the error names: the profile, the account asked for and the device, if one was named. */
export interface Subject {
  profile: string;
  account: string;
  device: string | undefined;
}

/** The `VswError` for a run that gave no code, from ykman's own words. */
export function ykmanError(result: YkmanResult, s: Subject): VswError {
  const byHand = `ykman ${s.device ? `--device ${s.device} ` : ""}oath accounts code --single ${JSON.stringify(s.account)}`;
  if (result.kind === "spawn-error") {
    if (result.errno === "ENOENT") {
      return new VswError(
        "VSW_YKMAN_NOT_INSTALLED",
        `Profile "${s.profile}" gets its MFA code from a YubiKey, but ykman is not installed (not found on PATH).`,
        {
          hint: "Install YubiKey Manager (pipx install yubikey-manager, apt install yubikey-manager or brew install ykman), or choose another mfa_source.",
        },
      );
    }
    return new VswError(
      "VSW_YKMAN_FAILED",
      `ykman could not be started for profile "${s.profile}": ${result.message}.`,
      {
        hint: "Check that the ykman on PATH is executable.",
      },
    );
  }
  if (result.kind === "timeout") {
    return new VswError(
      "VSW_YKMAN_TIMEOUT",
      `ykman gave no MFA code for profile "${s.profile}" within ${result.seconds} s and was stopped.`,
      {
        hint: `Check that the YubiKey is inserted and no other program holds it, then run: ${byHand}`,
      },
    );
  }
  const lines = result.stderr.split("\n").map((l) => l.trim());
  const errorLine = lines.find((l) => /^(ERROR|Error): /.test(l))?.replace(/^(ERROR|Error): /, "");
  const says = (text: string) => errorLine?.startsWith(text) ?? false;
  if (says("No YubiKey detected!")) {
    const noPcsc = lines.some((l) => l.includes("PC/SC not available"));
    return new VswError(
      "VSW_YKMAN_NO_DEVICE",
      `No YubiKey is connected: ykman found none for profile "${s.profile}".`,
      {
        hint: noPcsc
          ? "Insert the YubiKey. ykman also says PC/SC is not available: it needs pcscd for OATH codes (sudo systemctl start pcscd)."
          : "Insert the YubiKey and run the command again.",
      },
    );
  }
  if (says("Failed connecting to a YubiKey with serial")) {
    return new VswError(
      "VSW_YKMAN_NO_DEVICE",
      `The YubiKey with serial ${s.device ?? "?"} (YKMAN_OATH_DEVICE_SERIAL) is not connected; profile "${s.profile}" needs it.`,
      {
        hint: "Insert that YubiKey, or set YKMAN_OATH_DEVICE_SERIAL to one that `ykman list --serials` shows.",
      },
    );
  }
  if (says("Use --device SERIAL") || says("Multiple YubiKeys detected")) {
    return new VswError(
      "VSW_YKMAN_SEVERAL_DEVICES",
      `Several YubiKeys are connected and ykman cannot tell which holds the MFA account of profile "${s.profile}".`,
      { hint: "Set YKMAN_OATH_DEVICE_SERIAL to the serial of the right one (ykman list --serials)." },
    );
  }
  if (says("No matching account found.")) {
    return new VswError(
      "VSW_YKMAN_NO_ACCOUNT",
      `The YubiKey has no OATH account matching "${s.account}" (profile "${s.profile}").`,
      {
        hint: "See its accounts with `ykman oath accounts list`, then set mfa_ykman_account = NAME in the profile to the one for this MFA device.",
      },
    );
  }
  if (says("Multiple matches")) {
    const at = lines.findIndex((l) => l.startsWith("Error: Multiple matches"));
    const names = lines.slice(at + 1).filter((l) => l !== "" && !/^(ERROR|Error|WARNING): /.test(l));
    return new VswError(
      "VSW_YKMAN_NO_ACCOUNT",
      `Several OATH accounts on the YubiKey match "${s.account}" (profile "${s.profile}"): ${names.map((n) => `"${n}"`).join(", ")}.`,
      { hint: "Set mfa_ykman_account in the profile to the full name of one of them." },
    );
  }
  if (says("Touch account timed out!")) {
    return new VswError(
      "VSW_YKMAN_TOUCH_TIMEOUT",
      `The YubiKey was not touched in time for the MFA code of profile "${s.profile}".`,
      { hint: "Run the command again and touch the YubiKey when it blinks." },
    );
  }
  if (says("Authentication to the YubiKey failed")) {
    return new VswError(
      "VSW_YKMAN_PASSWORD",
      `The password of the YubiKey's OATH application was wrong (profile "${s.profile}").`,
      { hint: "Run `ykman oath access remember` once to store the right one on this machine." },
    );
  }
  if (lines.some((l) => l.startsWith(PASSWORD_PROMPT)) || lines.includes("Aborted!")) {
    return new VswError(
      "VSW_YKMAN_PASSWORD",
      `The YubiKey's OATH accounts are protected by a password, and ykman had no terminal to ask for it (profile "${s.profile}").`,
      {
        hint: "Run `ykman oath access remember` once to keep the password on this machine, or run vsw on a terminal.",
      },
    );
  }
  const first = errorLine ?? lines.find((l) => l !== "" && !l.startsWith("WARNING:")) ?? "no message";
  return new VswError(
    "VSW_YKMAN_FAILED",
    `ykman failed (exit code ${result.code}) for profile "${s.profile}": ${first}`,
    { hint: `Run it by hand to see all it says: ${byHand}` },
  );
}
