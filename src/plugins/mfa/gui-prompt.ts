/**
 * The MFA prompt where there is no terminal (an IDE or a GUI app running `credential_process =
 * vsw export PROFILE`): a dialog of `osascript` on macOS, or of `zenity` or `kdialog` on a Linux
 * desktop. Each program is started with `execFile` (no shell), and the profile and serial never
 * become code: osascript gets them as arguments of a fixed script, zenity and kdialog as escaped
 * label text.
 */

import { accessSync, constants, statSync } from "node:fs";
import type { Env, MfaRequest } from "../../plugin.js";
import { VswError } from "../../plugin.js";

/** The dialog programs vsw knows, as `VSW_MFA_DIALOG` names them. */
export const DIALOG_PROGRAMS = ["osascript", "zenity", "kdialog"] as const;
export type DialogProgram = (typeof DIALOG_PROGRAMS)[number];

/** A dialog program found on `PATH`. */
export interface GuiDialog {
  program: DialogProgram;
  /** Its absolute path. */
  file: string;
}

/**
 * How long a dialog waits for an answer, in seconds. Less than the 120 s other runs wait for the
 * mint lock (src/core/lock.ts), so they get this run's session, or its error, rather than a
 * timeout of their own.
 */
export const DIALOG_TIMEOUT_S = 100;
/** How often a malformed answer is asked again before giving up. */
const ATTEMPTS = 3;
/** The most a dialog may print: a code is a few bytes. */
const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * The dialog program to ask with, or `undefined` when there is none: `VSW_NO_PROMPT=1` or
 * `VSW_MFA_DIALOG=none` turn dialogs off, `VSW_MFA_DIALOG=PROGRAM` picks one; otherwise osascript
 * on macOS, and elsewhere zenity then kdialog (kdialog first on a KDE desktop). zenity and kdialog
 * need a display (`DISPLAY` or `WAYLAND_DISPLAY`). Cheap: reads the environment and stats `PATH`.
 */
export function findGuiDialog(env: Env, platform: string): GuiDialog | undefined {
  // VSW_NO_PROMPT=1 (the shells' quiet auto-refresh, scripts) means no prompt of any kind.
  if (env.VSW_NO_PROMPT === "1") return undefined;
  const wanted = env.VSW_MFA_DIALOG?.trim() || undefined;
  if (wanted === "none") return undefined;
  if (wanted !== undefined && !isDialogProgram(wanted)) return undefined;
  const kde = /kde/i.test(env.XDG_CURRENT_DESKTOP ?? "");
  const candidates: DialogProgram[] = wanted
    ? [wanted]
    : platform === "darwin"
      ? ["osascript"]
      : kde
        ? ["kdialog", "zenity"]
        : ["zenity", "kdialog"];
  const display = !!(env.DISPLAY || env.WAYLAND_DISPLAY);
  for (const program of candidates) {
    // osascript talks to the macOS window server, which needs no DISPLAY.
    if (program !== "osascript" && !display) continue;
    const file = onPath(program, env.PATH);
    if (file) return { program, file };
  }
  return undefined;
}

/** Refuses a `VSW_MFA_DIALOG` that names no known program. */
export function checkDialogChoice(env: Env): void {
  const wanted = env.VSW_MFA_DIALOG?.trim() || undefined;
  if (wanted === undefined || wanted === "none" || isDialogProgram(wanted)) return;
  throw new VswError(
    "VSW_CONFIG_INVALID",
    `VSW_MFA_DIALOG is "${wanted}", which is not a dialog program vsw knows.`,
    { hint: `Use one of: ${DIALOG_PROGRAMS.join(", ")}, none.` },
  );
}

/**
 * Asks for the code with `dialog`; a malformed answer is asked again (three times in all).
 * Cancel, Escape or no answer in time is `VSW_CANCELLED`.
 */
export async function askWithDialog(dialog: GuiDialog, request: MfaRequest, env: Env): Promise<string> {
  let notice = "";
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const lines = [
      // The first line holds no user value: Qt guesses rich text from the first line only (kdialog).
      `${notice}vsw needs an MFA code (6 digits).`,
      `Profile: ${shown(request.profile)}`,
      `MFA device: ${shown(request.serial)}`,
    ];
    const answer = (await show(dialog, lines.join("\n"), env)).trim();
    if (/^\d{6}$/.test(answer)) return answer;
    notice = "That was not 6 digits. ";
  }
  throw new VswError(
    "VSW_MFA_INVALID_CODE",
    `The MFA code for "${request.serial}" typed in the dialog was not 6 digits, ${ATTEMPTS} times.`,
    { hint: "Run the command again and type the 6-digit code your MFA device shows." },
  );
}

/** How a dialog program ended: 0, its exit code, "timeout", or what went wrong. */
interface Outcome {
  status: number | string;
  stdout: string;
  stderr: string;
}

function outcome(error: Error | null): number | string {
  if (!error) return 0;
  const failure = error as Error & {
    code?: number | string | null;
    signal?: string | null;
    killed?: boolean;
  };
  if (failure.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER") return "printed more than 64 KiB";
  if (failure.killed) return "timeout"; // execFile's own timeout ended it.
  if (failure.signal) return `was killed by ${failure.signal}`;
  if (typeof failure.code === "number") return failure.code;
  return `could not be started (${failure.code ?? failure.message})`;
}

function isDialogProgram(name: string): name is DialogProgram {
  return (DIALOG_PROGRAMS as readonly string[]).includes(name);
}

/**
 * The absolute path of `name` in `PATH`'s absolute directories. Why only absolute ones: an IDE
 * runs credential_process in the project's directory, and a `zenity` planted there must not be
 * the one that is handed the code.
 */
function onPath(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(":")) {
    if (!dir.startsWith("/")) continue;
    const file = `${dir.replace(/\/+$/, "")}/${name}`;
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

/**
 * A value as a dialog shows it: control characters, line separators and bidi overrides, which could
 * forge a line or reorder one, as U+FFFD.
 */
function shown(value: string): string {
  return value.replace(/[\p{Cc}\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu, "\ufffd");
}

/** The fixed AppleScript: the text arrives as `item 1 of argv`, so no value is ever parsed as code. */
const OSASCRIPT = [
  "on run argv",
  'set reply to display dialog (item 1 of argv) with title "vsw" default answer "" buttons {"Cancel", "OK"} default button "OK" cancel button "Cancel" giving up after ' +
    String(DIALOG_TIMEOUT_S),
  'if gave up of reply then error "No answer in time." number -1712',
  "return text returned of reply",
  "end run",
];

/** The program's argv for a dialog showing `text`. */
export function dialogArgs(program: DialogProgram, text: string): string[] {
  switch (program) {
    case "osascript":
      // osascript(1): "Any arguments following the script will be passed as a list of strings
      // to the direct parameter of the run handler."
      return [...OSASCRIPT.flatMap((line) => ["-e", line]), text];
    case "zenity":
      // zenity's entry label goes through g_strcompress (backslash escapes) and
      // gtk_label_set_text_with_mnemonic (`_`): both are escaped. `--text=` keeps a value
      // starting with "-" from being read as an option.
      return [
        "--entry",
        "--title=vsw",
        `--text=${text.replace(/\\/g, "\\\\").replace(/_/g, "__")}`,
        `--timeout=${DIALOG_TIMEOUT_S}`,
      ];
    case "kdialog":
      // QInputDialog gives its label a buddy, which makes `&` a mnemonic: doubled to show as is.
      return ["--title", "vsw", "--inputbox", text.replace(/&/g, "&&"), ""];
  }
}

/** Shows the dialog and returns what was typed; cancel and timeout throw `VSW_CANCELLED`. */
async function show(dialog: GuiDialog, text: string, env: Env): Promise<string> {
  // child_process costs ~15 ms to load; only a run that shows a dialog pays for it.
  const { execFile } = await import("node:child_process");
  const { status, stdout, stderr } = await new Promise<Outcome>((resolve) => {
    execFile(
      dialog.file,
      dialogArgs(dialog.program, text),
      {
        env: env as NodeJS.ProcessEnv,
        encoding: "utf8",
        maxBuffer: MAX_OUTPUT_BYTES,
        // kdialog has no timeout of its own; zenity's and osascript's end first.
        timeout: (DIALOG_TIMEOUT_S + 5) * 1000,
      },
      (error, out, err) => resolve({ status: outcome(error), stdout: String(out), stderr: String(err) }),
    );
  });
  if (status === 0) return stdout;
  const cancelled = () =>
    new VswError("VSW_CANCELLED", "The MFA dialog was cancelled.", { hint: "Run the command again." });
  const timedOut = () =>
    new VswError("VSW_CANCELLED", `The MFA dialog got no answer within ${DIALOG_TIMEOUT_S} s.`, {
      hint: "Run the command again.",
    });
  if (status === "timeout") throw timedOut();
  if (dialog.program === "osascript" && status === 1) {
    // osascript exits 1 on every error; the AppleScript error number tells them apart:
    // -128 "User canceled.", -1712 our own "no answer in time".
    if (/\(-128\)$/.test(stderr.trim())) throw cancelled();
    if (/\(-1712\)$/.test(stderr.trim())) throw timedOut();
  } else if (status === 1) {
    // zenity and kdialog: 1 is Cancel (and Escape, and closing the window).
    throw cancelled();
  } else if (dialog.program === "zenity" && status === 5) {
    throw timedOut(); // zenity(1): 5 when the timeout has been reached.
  }
  const said = stderr.trim().split("\n").pop()?.slice(0, 200).replace(/\.$/, "");
  const how = typeof status === "number" ? `exited with code ${status}` : status;
  throw new VswError(
    "VSW_MFA_PROMPT_FAILED",
    `The MFA dialog (${dialog.program}) ${how}${said ? `: ${said}` : ""}.`,
    {
      hint: `Choose another program with VSW_MFA_DIALOG (${DIALOG_PROGRAMS.join(", ")}), or a source that needs no prompt: mfa_source = totp (after vsw mfa add), mfa_source = ykman, or mfa_process.`,
    },
  );
}
