import type { MfaRequest, Vsw, VswPlugin } from "../../plugin.js";
import { commandHint, STAGE_INTERACTIVE, VswError } from "../../plugin.js";
import { childEnv } from "../child-env.js";
import { askWithDialog, checkDialogChoice, findGuiDialog } from "./gui-prompt.js";

const NAME = "mfa-prompt";

/** Options of `promptMfa`. */
export interface PromptMfaOptions {
  /** The platform whose dialog program to use where there is no terminal; default `process.platform`. */
  platform?: string;
}

/**
 * Asks for the code on the terminal (never stdout, so `eval "$(vsw env p)"` still prompts). With no
 * terminal (an IDE calling `credential_process`), asks in a dialog (gui-prompt.ts) if the desktop
 * has one. The last source: with neither it throws an error naming every way to supply a code.
 */
export function promptMfa(options: PromptMfaOptions = {}): VswPlugin {
  const platform = options.platform ?? process.platform;
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.mfaSources.tap(NAME, (list) => [
        ...list,
        {
          name: "prompt",
          description: "asks on the terminal, or in a dialog where there is none",
          order: 100,
          available: () => {
            const terminal = vsw.terminal.open();
            terminal?.close();
            return terminal !== undefined || findGuiDialog(vsw.env, platform) !== undefined;
          },
        },
      ]);
      vsw.hooks.mfaToken.tapPromise({ name: NAME, stage: STAGE_INTERACTIVE }, async (request) => {
        if (request.source && request.source !== "prompt") return undefined;
        const terminal = vsw.terminal.open();
        if (!terminal) {
          checkDialogChoice(vsw.env);
          const dialog = findGuiDialog(vsw.env, platform);
          if (!dialog) throw noPrompt(vsw, request);
          // The dialog program is a child like any other: the one rule for children (child-env.ts).
          return askWithDialog(dialog, request, childEnv(vsw.env, vsw.childSecrets));
        }
        try {
          // prompts is loaded only here: the cached hot path never pays for it.
          const { default: prompts } = await import("prompts");
          let cancelled = false;
          const answer = await prompts(
            {
              type: "text",
              name: "code",
              message: `MFA code for ${request.serial}`,
              validate: (value: string) => /^\d{6}$/.test(value.trim()) || "The code has 6 digits.",
              stdin: terminal.input as NodeJS.ReadStream,
              stdout: terminal.output as NodeJS.WriteStream,
            },
            {
              onCancel: () => {
                cancelled = true;
              },
            },
          );
          if (cancelled || typeof answer.code !== "string") {
            throw new VswError("VSW_CANCELLED", "The MFA prompt was cancelled.", {
              hint: "Run the command again.",
            });
          }
          return answer.code.trim();
        } finally {
          terminal.close();
        }
      });
    },
  };
}

/** The error when neither a terminal nor a dialog can ask: it names the sources that need neither. */
function noPrompt(vsw: Vsw, request: MfaRequest): VswError {
  const why =
    vsw.env.VSW_NO_PROMPT === "1"
      ? "prompts are turned off (VSW_NO_PROMPT=1)"
      : "there is no terminal to ask on and no dialog to ask with (osascript on macOS; zenity or kdialog with a display elsewhere)";
  return new VswError("VSW_MFA_REQUIRED", `Profile "${request.profile}" needs an MFA code and ${why}.`, {
    hint: `Pass --mfa-token CODE, or set a source that needs no prompt: mfa_source = totp (after ${commandHint("vsw mfa add", request.profile)}), mfa_source = ykman, or mfa_process.`,
  });
}
