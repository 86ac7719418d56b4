import type { Argv, CommandModule } from "yargs";
import { commandHint, VswError } from "../../core/errors.js";
import { buildPlan, loadInput } from "../../core/pipeline.js";
import type { Vsw } from "../../core/vsw.js";
import { hasTotpSecret, readTotpRecord } from "../../plugins/mfa/totp.js";
import { parseTotpInput, type TotpRecord, totpItem } from "../../plugins/mfa/totp-secret.js";
import { spendTotpCode } from "../../plugins/mfa/totp-steps.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { readTotpInput } from "../mfa-input.js";
import { mfaSteps, runMfaList } from "../mfa-list.js";
import { grammarOptions, yargsHead } from "../options.js";
import { printable } from "../report.js";
import { confirm } from "../terminal.js";

const ACTIONS = ["add", "code", "remove", "list"] as const;

export interface MfaArgs extends GlobalArgs {
  action: (typeof ACTIONS)[number];
  profile?: string | undefined;
  json?: boolean | undefined;
  force?: boolean | undefined;
}

/**
 * `vsw mfa add|code|remove PROFILE`, `vsw mfa list [--json]`: the TOTP secrets of MFA devices in the
 * keystore (item `mfa/totp/<serial>`, the `totp` MFA source's), and which source answers for each
 * profile. The serial is the one the profile's plan asks a code for.
 */
export async function runMfa(args: MfaArgs): Promise<void> {
  const vsw = await buildVsw(args);
  if (args.action === "list") return runMfaList(vsw, args.json === true);
  const profile = args.profile;
  if (!profile) {
    throw new VswError("VSW_USAGE", `vsw mfa ${args.action} needs a profile.`, {
      hint: `vsw mfa ${args.action} PROFILE (vsw mfa list shows the profiles with an MFA device).`,
    });
  }
  const serial = await profileSerial(vsw, profile);
  if (args.action === "add") return add(vsw, profile, serial, args.force === true);
  if (args.action === "code") return code(vsw, profile, serial);
  return remove(vsw, profile, serial, args.force === true);
}

/** The MFA serial the plan of `profile` asks a code for. */
async function profileSerial(vsw: Vsw, profile: string): Promise<string> {
  const plan = await buildPlan(vsw, await loadInput(vsw, profile));
  const serials = [...new Set(mfaSteps(plan.steps).map((step) => step.mfaSerial as string))];
  const [serial] = serials;
  if (serial === undefined) {
    throw new VswError(
      "VSW_TOTP_NO_SERIAL",
      `Profile "${profile}" has no mfa_serial: it needs no MFA code.`,
      {
        hint: "Set mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME in the profile (or in its source_profile) first.",
      },
    );
  }
  if (serials.length > 1) {
    throw new VswError(
      "VSW_TOTP_NO_SERIAL",
      `Profile "${profile}" asks codes of ${serials.length} MFA devices (${serials.join(", ")}): say which with the profile that names it.`,
      { hint: "Run vsw mfa add with the profile whose mfa_serial is that device." },
    );
  }
  return serial;
}

/**
 * Stores the secret of `serial`. Why a stored secret is replaced only after a yes, or with
 * --force (as `vsw add` does for keys): AWS shows a virtual device's secret once; a replaced one is
 * gone.
 */
async function add(vsw: Vsw, profile: string, serial: string, force: boolean): Promise<void> {
  const keystore = vsw.keystore();
  // A wrong passphrase fails before anything is asked.
  await keystore.open();
  if (!force && (await hasTotpSecret(vsw, serial))) await confirmReplace(vsw, profile, serial, keystore.name);
  const settings = parseTotpInput(await readTotpInput(() => vsw.terminal.open(), serial));
  if (settings.digits !== 6) {
    // Why refused rather than stored: AWS MFA devices show 6 digits, and vsw sends only 6-digit codes.
    throw new VswError(
      "VSW_TOTP_INVALID",
      `The otpauth:// URI makes ${settings.digits}-digit codes; AWS MFA codes have 6 digits.`,
      { hint: "Use the secret or QR code AWS showed when the virtual MFA device was set up." },
    );
  }
  const record: TotpRecord = { ...settings, addedAt: vsw.now() };
  await keystore.set(totpItem(serial), JSON.stringify(record));
  process.stdout.write(
    `Stored the TOTP secret of "${printable(serial)}" (profile "${printable(profile)}") in the ${keystore.name} keystore; vsw now computes its MFA codes.\n`,
  );
}

async function confirmReplace(
  vsw: Vsw,
  profile: string,
  serial: string,
  keystoreName: string,
): Promise<void> {
  const terminal = vsw.terminal.open();
  if (!terminal) {
    throw new VswError(
      "VSW_TOTP_EXISTS",
      `A TOTP secret of "${serial}" is already in the ${keystoreName} keystore.`,
      { hint: `Pass --force to replace it: ${commandHint("vsw mfa add", profile)} --force.` },
    );
  }
  await confirm(
    terminal,
    `Replace the TOTP secret of "${printable(serial)}" already in the ${keystoreName} keystore?`,
    "Nothing was stored: the stored secret stays.",
  );
}

/** Prints the current code, spent like one vsw sends (so vsw will not send it again). */
async function code(vsw: Vsw, profile: string, serial: string): Promise<void> {
  const record = await readTotpRecord(vsw, serial);
  if (!record) throw notStored(profile, serial, vsw.keystoreName);
  process.stdout.write(`${await spendTotpCode(vsw, serial, record)}\n`);
}

async function remove(vsw: Vsw, profile: string, serial: string, force: boolean): Promise<void> {
  const keystore = vsw.keystore();
  if (!(await hasTotpSecret(vsw, serial))) throw notStored(profile, serial, keystore.name);
  if (!force) {
    const terminal = vsw.terminal.open();
    if (!terminal) {
      throw new VswError(
        "VSW_NO_TTY",
        `Removing the TOTP secret of "${serial}" needs a confirmation on a terminal.`,
        { hint: "Pass --force to remove without asking." },
      );
    }
    await confirm(
      terminal,
      `Delete the TOTP secret of "${printable(serial)}" from the ${keystore.name} keystore? AWS will not show it again.`,
      "Nothing was removed.",
    );
  }
  await keystore.open();
  await keystore.delete(totpItem(serial));
  process.stdout.write(
    `Removed the TOTP secret of "${printable(serial)}" (profile "${printable(profile)}").\n`,
  );
}

function notStored(profile: string, serial: string, keystoreName: string): VswError {
  return new VswError(
    "VSW_TOTP_NOT_STORED",
    `No TOTP secret of "${serial}" (profile "${profile}") is in the ${keystoreName} keystore.`,
    { hint: `Store it with ${commandHint("vsw mfa add", profile)}.` },
  );
}

export const mfaCommand: CommandModule<GlobalArgs, MfaArgs> = {
  ...yargsHead("mfa"),
  builder: (yargs) =>
    grammarOptions(
      yargs
        .positional("action", {
          type: "string",
          choices: ACTIONS,
          demandOption: true,
          describe: "add, code, remove or list",
        })
        .positional("profile", { type: "string", describe: "Profile name from ~/.aws/config" }),
      "mfa",
    ) as unknown as Argv<MfaArgs>,
  handler: runMfa,
};
