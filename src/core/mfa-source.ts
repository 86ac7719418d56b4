/**
 * Which MFA source answers: the user's choice (`mfa_source` of the profile, else `VSW_MFA_SOURCE`,
 * else the vsw config file's `mfa_source`), or, without one, the first source in order that can
 * answer: `--mfa-token`, `mfa_process`, a stored TOTP secret, a configured YubiKey, the prompt. The
 * `mfaToken` taps do the asking; this names the choice, checks it, and predicts for `vsw plan`.
 */
import { VswError } from "./errors.js";
import type { MfaRequest, MfaSourceDescriptor } from "./types.js";
import type { Vsw } from "./vsw.js";

/** The chosen source and where the choice was made (for messages). */
export interface MfaChoice {
  name: string;
  from: string;
}

const nonEmpty = (value: string | undefined) =>
  value === undefined || value.trim() === "" ? undefined : value.trim();

/** The user's choice for a step whose MFA settings are `options`, or `undefined` for "the first that can". */
export function chosenMfaSource(
  vsw: Vsw,
  profile: string,
  options: Readonly<Record<string, string>> | undefined,
): MfaChoice | undefined {
  const fromProfile = nonEmpty(options?.mfa_source);
  if (fromProfile) return { name: fromProfile, from: `mfa_source of profile "${profile}"` };
  const fromEnv = nonEmpty(vsw.env.VSW_MFA_SOURCE);
  if (fromEnv) return { name: fromEnv, from: "VSW_MFA_SOURCE" };
  const fromConfig = nonEmpty(vsw.settings.mfaSource);
  if (fromConfig) return { name: fromConfig, from: "mfa_source of the vsw config file" };
  return undefined;
}

/** The sources plugins offer, in the order they are asked. */
export function mfaSources(vsw: Vsw): MfaSourceDescriptor[] {
  return [...(vsw.hooks.mfaSources.call([]) ?? [])].sort((a, b) => a.order - b.order);
}

/** Refuses a choice no plugin offers, naming where it was made and what is known. */
export function checkMfaChoice(vsw: Vsw, choice: MfaChoice | undefined): void {
  if (!choice) return;
  // `flag` is --mfa-token, given per run: not a source to choose in a config.
  const known = mfaSources(vsw)
    .map((d) => d.name)
    .filter((name) => name !== "flag");
  if (known.includes(choice.name)) return;
  throw new VswError(
    "VSW_CONFIG_INVALID",
    `${choice.from} is "${choice.name}", which is not an MFA source vsw knows.`,
    {
      hint: `Use one of: ${known.join(", ")}.`,
    },
  );
}

/**
 * The source that would answer `request` (for `vsw plan`): the chosen one, else the first in order
 * that says it can. `undefined` when none can.
 */
export async function predictMfaSource(vsw: Vsw, request: MfaRequest): Promise<string | undefined> {
  const sources = mfaSources(vsw);
  const flag = sources.find((d) => d.name === "flag");
  if (flag && (await flag.available(request))) return flag.name;
  if (request.source) return request.source;
  for (const source of sources) {
    try {
      if (await source.available(request)) return source.name;
    } catch {
      // A source that cannot tell is not the one that answers.
    }
  }
  return undefined;
}
