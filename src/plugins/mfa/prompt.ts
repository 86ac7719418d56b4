import type { VswPlugin } from "../../plugin.js";
import { commandHint, STAGE_INTERACTIVE, VswError } from "../../plugin.js";

const NAME = "mfa-prompt";

/**
 * Asks for the code on the terminal (never stdout, so `eval "$(vsw env p)"` still prompts). The
 * last source: with no terminal it throws an error naming every way to supply a code.
 */
export function promptMfa(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.mfaSources.tap(NAME, (list) => [
        ...list,
        {
          name: "prompt",
          description: "asks on the terminal",
          order: 100,
          available: () => {
            const terminal = vsw.terminal.open();
            terminal?.close();
            return terminal !== undefined;
          },
        },
      ]);
      vsw.hooks.mfaToken.tapPromise({ name: NAME, stage: STAGE_INTERACTIVE }, async (request) => {
        if (request.source && request.source !== "prompt") return undefined;
        const terminal = vsw.terminal.open();
        if (!terminal) {
          throw new VswError(
            "VSW_MFA_REQUIRED",
            `Profile "${request.profile}" needs an MFA code and there is no terminal to ask on.`,
            {
              hint: `Pass --mfa-token CODE, or set a source that needs no terminal: mfa_source = totp (after ${commandHint("vsw mfa add", request.profile)}), mfa_source = ykman, or mfa_process.`,
            },
          );
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
