import type { MfaRequest, VswPlugin } from "../../plugin.js";
import { STAGE_DEFAULT, VswError } from "../../plugin.js";
import { childEnv } from "../child-env.js";
import { runYkman, ykmanError } from "./ykman-run.js";

const NAME = "mfa-ykman";

/** Our own limit on one ykman run, before any touch; `VSW_YKMAN_TIMEOUT` (seconds) overrides it. */
const DEFAULT_TIMEOUT_S = 30;
/** Added once ykman asks for a touch: the YubiKey itself gives up after about 15 s. */
const TOUCH_ALLOWANCE_MS = 30_000;

/**
 * Whether the profile is configured for a YubiKey: `mfa_source = ykman` (of the profile,
 * `VSW_MFA_SOURCE` or the vsw config: all arrive as `request.source`), or `mfa_ykman_account` set.
 * Why so strict: ykman takes ~2.7 s to say "No YubiKey detected!", so it is never tried on a guess.
 */
function configured(request: MfaRequest): boolean {
  return request.source === "ykman" || !!request.options?.mfa_ykman_account?.trim();
}

/**
 * Answers MFA requests of profiles configured for a YubiKey with
 * `ykman [--device SERIAL] oath accounts code --single -- NAME`: NAME is `mfa_ykman_account`, else
 * the `mfa_serial`; SERIAL is `YKMAN_OATH_DEVICE_SERIAL`. ykman's "Touch your YubiKey..." is said
 * to the user (the terminal, else stderr); its failures become `VSW_YKMAN_*` errors.
 */
export function ykmanMfa(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.mfaSources.tap(NAME, (list) => [
        ...list,
        { name: "ykman", description: "a YubiKey through ykman", order: 30, available: configured },
      ]);
      vsw.hooks.mfaToken.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async (request) => {
        if (request.source && request.source !== "ykman") return undefined;
        if (!configured(request)) return undefined;
        const account = request.options?.mfa_ykman_account?.trim() || request.serial;
        const device = vsw.env.YKMAN_OATH_DEVICE_SERIAL?.trim() || undefined;
        if (device !== undefined && !/^\d+$/.test(device)) {
          throw new VswError(
            "VSW_CONFIG_INVALID",
            `YKMAN_OATH_DEVICE_SERIAL is "${device}", which is not a YubiKey serial number.`,
            { hint: "Set it to the digits `ykman list --serials` prints, or unset it." },
          );
        }
        const args = [
          ...(device ? ["--device", device] : []),
          // "--": an account name that starts with "-" is still a name.
          ...["oath", "accounts", "code", "--single", "--", account],
        ];
        const terminal = vsw.terminal.open();
        const subject = { profile: request.profile, account, device };
        try {
          const result = await runYkman(args, {
            env: childEnv(vsw.env, vsw.childSecrets),
            terminal,
            timeoutMs: timeoutMs(vsw.env.VSW_YKMAN_TIMEOUT),
            touchAllowanceMs: TOUCH_ALLOWANCE_MS,
            // ykman's own words, said where a prompt belongs: the terminal, else stderr.
            onTouch: () => {
              const line = `Touch your YubiKey… (MFA code for profile "${request.profile}")`;
              if (terminal) terminal.output.write(`${line}\n`);
              else vsw.warn(line);
            },
          });
          if (result.kind !== "exit" || result.code !== 0) throw ykmanError(result, subject);
          const lines = result.stdout.split("\n").map((l) => l.trim());
          const code = lines.filter((l) => l !== "").at(-1) ?? "";
          if (/^\d{6}$/.test(code)) return code;
          // Never the output itself in the message: it may be a code.
          throw new VswError(
            "VSW_YKMAN_FAILED",
            /^\d+$/.test(code)
              ? `The YubiKey account "${account}" gives ${code.length}-digit codes; AWS takes 6 (profile "${request.profile}").`
              : `ykman printed something that is not a 6-digit code for the account "${account}" (profile "${request.profile}").`,
            { hint: `Run: ykman oath accounts code --single ${JSON.stringify(account)}` },
          );
        } finally {
          terminal?.close();
        }
      });
    },
  };
}

/** `VSW_YKMAN_TIMEOUT` in seconds (a positive number), else the default. */
function timeoutMs(value: string | undefined): number {
  const seconds = Number(value);
  return (value && Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_TIMEOUT_S) * 1000;
}
