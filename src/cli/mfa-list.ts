/**
 * `vsw mfa list [--json]`: every profile whose plan needs an MFA code, its device's serial, the
 * source that would answer (as `vsw plan` predicts it: nothing is asked, no secret read) and
 * whether a TOTP secret is stored for the serial. Never a secret.
 */
import { isVswError } from "../core/errors.js";
import { predictMfaSource } from "../core/mfa-source.js";
import { buildPlan, knownProfiles, loadInput, mfaRequest } from "../core/pipeline.js";
import type { PlanStep, PluginStep, SessionStep } from "../core/types.js";
import type { Vsw } from "../core/vsw.js";
import { totpItem } from "../plugins/mfa/totp-secret.js";
import { printable, safeJson } from "./report.js";

/** One row of `vsw mfa list --json`. */
export interface MfaListRow {
  profile: string;
  serial: string | null;
  /** The MFA source that would answer, `null` when none can here. */
  source: string | null;
  /** Whether a TOTP secret of the serial is in the keystore. */
  totp: boolean;
  /** Why the profile could not be planned (its error code), when it could not. */
  error?: string;
}

/** The steps of a plan that ask for an MFA code. */
export function mfaSteps(steps: readonly PlanStep[]): Array<SessionStep | PluginStep> {
  return steps.filter(
    (step): step is SessionStep | PluginStep =>
      step.type !== "keys" &&
      step.type !== "credential_process" &&
      step.type !== "external" &&
      !!step.mfaSerial,
  );
}

export async function runMfaList(vsw: Vsw, json: boolean): Promise<void> {
  const { names } = await knownProfiles(vsw);
  const stored = new Set((await vsw.keystore().list(totpItem(""))).map((item) => item.name));
  const rows: MfaListRow[] = [];
  for (const profile of names) {
    try {
      const plan = await buildPlan(vsw, await loadInput(vsw, profile));
      // The first step that asks is the one a switch to this profile asks for.
      const step = mfaSteps(plan.steps)[0];
      if (!step) continue;
      const serial = step.mfaSerial as string;
      rows.push({
        profile,
        serial,
        source: (await predictMfaSource(vsw, mfaRequest(vsw, step))) ?? null,
        totp: stored.has(totpItem(serial)),
      });
    } catch (error) {
      // One broken profile (an unknown mfa_source, a cycle) must not hide the others.
      if (!isVswError(error)) throw error;
      rows.push({ profile, serial: null, source: null, totp: false, error: error.code });
    }
  }
  if (json) {
    process.stdout.write(`${safeJson({ keystore: vsw.keystoreName, profiles: rows }, 2)}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write("No profile has an mfa_serial.\n");
    return;
  }
  process.stdout.write(renderTable(rows));
}

function renderTable(rows: MfaListRow[]): string {
  const header = ["PROFILE", "MFA SERIAL", "SOURCE", "TOTP SECRET"];
  const body = rows.map((r) => [
    printable(r.profile),
    printable(r.serial ?? "-"),
    r.error ? `error (${r.error})` : printable(r.source ?? "none here"),
    r.totp ? "stored" : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => (cells[i] ?? "").length)));
  return `${[header, ...body]
    .map((cells) =>
      cells
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}
