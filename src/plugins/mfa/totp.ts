import type { MfaRequest, Vsw, VswPlugin } from "../../plugin.js";
import { commandHint, STAGE_DEFAULT, VswError } from "../../plugin.js";
import { parseTotpRecord, type TotpRecord, totpItem } from "./totp-secret.js";
import { spendTotpCode } from "./totp-steps.js";

const NAME = "mfa-totp";

/**
 * Answers MFA requests with a code computed from the TOTP secret of the request's serial, kept in
 * the keystore by `vsw mfa add PROFILE` (item `mfa/totp/<serial>`). Each time step is handed out
 * once per serial (totp-steps.ts): AWS rejects a code used before, so a run that finds the current
 * step spent waits for the next one. Without a stored secret it declines, unless `mfa_source = totp`
 * chose it: then it says how to store one.
 */
export function totpMfa(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.mfaSources.tap(NAME, (list) => [
        ...list,
        {
          name: "totp",
          description: "a TOTP secret in the keystore (vsw mfa add)",
          order: 20,
          // A keystore list reads names only: no passphrase, no secret.
          available: (request) => hasTotpSecret(vsw, request.serial),
        },
      ]);
      vsw.hooks.mfaToken.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async (request) => {
        if (request.source && request.source !== "totp") return undefined;
        const record = await readTotpRecord(vsw, request.serial);
        if (!record) {
          if (request.source !== "totp") return undefined;
          throw notStored(request, vsw.keystoreName);
        }
        return spendTotpCode(vsw, request.serial, record);
      });
    },
  };
}

/** Whether a TOTP secret is stored for `serial` (names only: reads no value). */
export async function hasTotpSecret(vsw: Vsw, serial: string): Promise<boolean> {
  const name = totpItem(serial);
  return (await vsw.keystore().list(name)).some((item) => item.name === name);
}

/**
 * The stored secret of `serial`, or `undefined`. Listed first, so a store without one is not
 * unlocked (no passphrase asked) just to learn that.
 */
export async function readTotpRecord(vsw: Vsw, serial: string): Promise<TotpRecord | undefined> {
  if (!(await hasTotpSecret(vsw, serial))) return undefined;
  const text = await vsw.keystore().get(totpItem(serial));
  return text === undefined ? undefined : parseTotpRecord(text, serial);
}

function notStored(request: MfaRequest, keystore: string): VswError {
  return new VswError(
    "VSW_TOTP_NOT_STORED",
    `The MFA source of profile "${request.profile}" is "totp", but no TOTP secret of "${request.serial}" is in the ${keystore} keystore.`,
    {
      hint: `Store it with ${commandHint("vsw mfa add", request.profile)}, or choose another mfa_source.`,
    },
  );
}
