import type { Argv, CommandModule } from "yargs";
import { sessionItem } from "../../core/items.js";
import { predictMfaSource } from "../../core/mfa-source.js";
import { buildPlan, loadInput, mfaRequest } from "../../core/pipeline.js";
import { inheritedRegion } from "../../core/resolve.js";
import type { Plan, PlanStep } from "../../core/types.js";
import type { GlobalArgs, ProfileArgs } from "../context.js";
import { buildVsw, resolveFlags } from "../context.js";
import { profileOptions, yargsHead } from "../options.js";
import { printable, safeJson } from "../report.js";

export interface PlanArgs extends ProfileArgs {
  json?: boolean | undefined;
}

/** `vsw plan PROFILE [--json]`: the ordered steps, without any network call or secret. */
export async function runPlan(args: PlanArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const input = await loadInput(vsw, args.profile, resolveFlags(args));
  // The plan `vsw env` would run: the resolver's, through the plugins' `plan` waterfall.
  const plan = await buildPlan(vsw, input);
  // A role without a region of its own hands out its source's (as `vsw env` does): say which.
  const inherited = plan.region === null ? inheritedRegion(input) : null;
  if (args.json) {
    process.stdout.write(`${safeJson(plan)}\n`);
    return;
  }
  // Names and expiry times of cached items are readable without the passphrase.
  const items = await vsw.keystore().list();
  const expiry = new Map(items.map((item) => [item.name, item.expiresAt]));
  // Which MFA source would answer each step that needs a code (none is asked: plan reads no secret).
  const via = new Map<PlanStep, string | null>();
  for (const step of plan.steps) {
    if (step.type === "keys" || step.type === "credential_process" || step.type === "external") continue;
    if (!step.mfaSerial) continue;
    via.set(step, (await predictMfaSource(vsw, mfaRequest(vsw, step))) ?? null);
  }
  process.stdout.write(
    renderPlan(
      plan,
      (step) => expiry.get(sessionItem(step)),
      vsw.now(),
      inherited,
      (step) => via.get(step),
    ),
  );
}

/** The text form of a plan, one numbered line a step. */
export function renderPlan(
  plan: Plan,
  cachedUntil: (step: PlanStep) => number | undefined,
  now: number,
  inheritedRegion: string | null = null,
  mfaVia: (step: PlanStep) => string | null | undefined = () => undefined,
): string {
  const region =
    plan.region ?? (inheritedRegion ? `${inheritedRegion}, from its source_profile chain` : "not set");
  const lines = [`Plan for "${plan.profile}" (region ${region}):`];
  plan.steps.forEach((step, index) => {
    const n = `${index + 1}.`;
    let text: string;
    if (step.type === "keys")
      text = `source   ${step.profile}   stored keys${step.stored ? "" : " (not stored yet: vsw add)"}`;
    else if (step.type === "credential_process")
      text = `source   ${step.profile}   credential_process ${step.command}`;
    else if (step.type === "GetSessionToken")
      text = `session  ${step.profile}   GetSessionToken${mfa(step.mfaSerial, mfaVia(step))}  ${hours(step.durationSeconds)}`;
    else if (step.type === "external")
      // Never printed: a plan still holding one fails (pipeline.ts) before it is shown.
      text = `source   ${step.profile}   ${step.kind}`;
    else if (step.type !== "AssumeRole")
      // A plugin's own kind of step describes itself (types.ts: PluginStep.label).
      text = `step     ${step.profile}   ${step.label}`;
    else
      text = `role     ${step.profile}   AssumeRole ${step.roleArn}${mfa(step.mfaSerial, mfaVia(step))}  ${hours(step.durationSeconds)}${step.chained ? " (chained, ≤ 1 h)" : ""}`;
    const until = step.type === "keys" ? undefined : cachedUntil(step);
    if (until !== undefined && until > now) text += `  cached, ${Math.floor((until - now) / 60_000)}m left`;
    lines.push(`  ${n} ${text}`);
  });
  // Names, ARNs and commands come from the config: a control character in one is shown escaped.
  return `${lines.map(printable).join("\n")}\n`;
}

/** `  MFA serial via totp`; `null`: no source can answer here; `undefined`: not asked. */
function mfa(serial: string | null, via: string | null | undefined): string {
  if (!serial) return "";
  if (via === undefined) return `  MFA ${serial}`;
  return via === null ? `  MFA ${serial} (no MFA source can answer here)` : `  MFA ${serial} via ${via}`;
}

function hours(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600}h` : `${Math.round(seconds / 60)}m`;
}

export const planCommand: CommandModule<GlobalArgs, PlanArgs> = {
  ...yargsHead("plan"),
  builder: (yargs) => profileOptions(yargs, "plan") as unknown as Argv<PlanArgs>,
  handler: runPlan,
};
