/**
 * The pipeline: config → plan → credentials → text. Each stage calls hooks; nothing here knows
 * which keystore, MFA source or STS client answers.
 */
import { loadProfiles, type ProfileConfig, profileNames } from "./config.js";
import { commandHint, isVswError, VswError } from "./errors.js";
import { keysItem, parseItem } from "./items.js";
import { checkMfaChoice, chosenMfaSource } from "./mfa-source.js";
import { inheritedRegion, resolvePlan } from "./resolve.js";
import { isSpent, markSpent, untilNextStep } from "./spent-codes.js";
import type {
  CacheRequest,
  Credentials,
  FormatRequest,
  MfaRequest,
  Plan,
  PlanStep,
  PluginStep,
  ResolvedCredentials,
  ResolveFlags,
  ResolveInput,
  SessionStep,
} from "./types.js";
import type { Vsw } from "./vsw.js";

/** Profile names with long-lived keys in the keystore (names only: no passphrase needed where the store allows). */
export async function storedProfiles(vsw: Vsw): Promise<Set<string>> {
  // Only the keys: the hot path must not read every cached session's file to learn a few names.
  const items = await vsw.keystore().list(keysItem(""));
  const names = new Set<string>();
  for (const item of items) {
    const parsed = parseItem(item.name);
    if (parsed.kind === "keys") names.add(parsed.profile);
  }
  return names;
}

/** Gathers the resolver's input: config text from the `loadConfig` hook, stored names from the keystore. */
export async function loadInput(vsw: Vsw, profile: string, flags: ResolveFlags = {}): Promise<ResolveInput> {
  const input: ResolveInput = {
    profile,
    configText: "",
    configFile: "",
    credentialsText: "",
    credentialsFile: "",
    storedKeys: await storedProfiles(vsw),
    env: vsw.env,
    flags,
  };
  return vsw.hooks.loadConfig.promise(input);
}

/** Every profile of the config and credentials files, and the names with stored keys (`list`, completion, the picker). */
export async function knownProfiles(
  vsw: Vsw,
): Promise<{ profiles: Map<string, ProfileConfig>; storedKeys: ReadonlySet<string>; names: string[] }> {
  const input = await loadInput(vsw, "");
  const profiles = loadProfiles(
    input.configText,
    input.configFile,
    input.credentialsText,
    input.credentialsFile,
  );
  return { profiles, storedKeys: input.storedKeys, names: profileNames(profiles, input.storedKeys) };
}

/**
 * The one call of the commands that hand out credentials: plan, `authorize` (policy), execute,
 * then the `credentials` waterfall, so `env`, `export` and `exec` all pass through the same hooks.
 */
export async function resolveCredentials(
  vsw: Vsw,
  profile: string,
  flags: ResolveFlags = {},
): Promise<ResolvedCredentials> {
  const input = await loadInput(vsw, profile, flags);
  const plan = await buildPlan(vsw, input);
  // Why here: policy decides before anything costly (rollup's buildStart), so a refusal leaves no
  // secret read, no MFA prompt, no STS call and nothing cached. Only stored key names were listed.
  if (vsw.hooks.authorize.taps.length)
    await vsw.hooks.authorize.promise({ profile, plan, env: vsw.env, flags });
  const resolved: ResolvedCredentials = {
    profile: plan.profile,
    // A role without a region of its own hands out its source's (resolve.ts: inheritedRegion).
    region: plan.region ?? inheritedRegion(input),
    credentials: await credentialsFor(vsw, plan, flags),
  };
  // Untapped (no team plugin): no waterfall compiled on the hot path.
  if (!vsw.hooks.credentials.taps.length) return resolved;
  return { ...resolved, credentials: await vsw.hooks.credentials.promise(resolved.credentials, resolved) };
}

/** Resolves a profile into an ordered plan, without any network or secret. */
export async function planFor(vsw: Vsw, profile: string, flags: ResolveFlags = {}): Promise<Plan> {
  return buildPlan(vsw, await loadInput(vsw, profile, flags));
}

const BUILTIN_STEP_TYPES = new Set([
  "keys",
  "credential_process",
  "external",
  "GetSessionToken",
  "AssumeRole",
]);

/** The plan, once no step is an `ExternalSourceStep` a plugin should have replaced. */
function claimed(plan: Plan): Plan {
  for (const step of plan.steps) {
    if (step.type === "external") {
      throw new VswError("VSW_CONFIG_UNSUPPORTED", step.unsupported.message, { hint: step.unsupported.hint });
    }
  }
  return plan;
}

/**
 * The pure resolver's plan passed through the `plan` waterfall, checked: at least one step, each
 * with a profile, and a plugin's own kind namespaced (`"acme:broker"`) and labelled for `vsw plan`.
 */
export async function buildPlan(vsw: Vsw, input: ResolveInput): Promise<Plan> {
  const resolved = resolvePlan(input);
  // Untapped (no team plugin): the resolver's plan as it is, nothing added to the hot path.
  if (!vsw.hooks.plan.taps.length) return claimed(resolved);
  const plan = await vsw.hooks.plan.promise(resolved, input);
  const steps: unknown = plan?.steps;
  if (!Array.isArray(steps) || steps.length === 0) {
    throw new VswError(
      "VSW_PLAN_INVALID",
      `The plan for "${input.profile}" has no steps after the plan hook.`,
      {
        hint: "A plan tap must return the plan it was given, changed, or undefined; check your plugins (--debug).",
      },
    );
  }
  for (const step of steps as PlanStep[]) {
    const type = String((step as { type?: unknown })?.type);
    const custom = !BUILTIN_STEP_TYPES.has(type);
    if (
      typeof step?.profile !== "string" ||
      (custom && (!/^[^:]+:.+/.test(type) || typeof (step as PluginStep).label !== "string"))
    ) {
      throw new VswError(
        "VSW_PLAN_INVALID",
        `A step of kind "${type}" in the plan for "${input.profile}" is malformed.`,
        {
          hint: 'A plugin\'s step needs a profile, a label and a type of the form "plugin:kind".',
        },
      );
    }
  }
  return claimed(plan as Plan);
}

/** A cached session is handed out with at least this much life left (aws-vault's and the SDKs' 5 min). */
export const DEFAULT_MIN_REMAINING_SECONDS = 300;

/**
 * How much less than an explicit `--duration` a cached session may have left and still be reused:
 * 10 %, at least 2 min, so `--duration 1h` run twice in a row does not mint twice, while a
 * 15-minute session never answers `--duration 1h`.
 */
export function durationTolerance(seconds: number): number {
  return Math.max(120, Math.round(seconds / 10));
}

/**
 * What a cached answer for `step` must still cover. Only the last step carries the caller's needs
 * (`--duration`, `--min-remaining`): a parent only has to live long enough to mint its child, and
 * asking more of it would re-mint an MFA'd 8 h session, and ask for a code, for nothing.
 */
function cacheNeeds(
  step: PlanStep,
  last: boolean,
  flags: ResolveFlags,
): Pick<CacheRequest, "minRemainingSeconds" | "minDurationSeconds"> {
  if (!last) return { minRemainingSeconds: DEFAULT_MIN_REMAINING_SECONDS };
  const margin = flags.minRemainingSeconds ?? DEFAULT_MIN_REMAINING_SECONDS;
  const duration = "durationSeconds" in step ? step.durationSeconds : undefined;
  if (duration === undefined) return { minRemainingSeconds: margin };
  // Why: a session minted for less than is asked now (an earlier --duration 15m, a raised
  // duration_seconds) is not what the user asked for; an explicit --duration also wants that much
  // life left, not the tail of an older session.
  const asked = duration - durationTolerance(duration);
  // Why the cap: a margin longer than a fresh session lives (--min-remaining 2h on a 1 h role)
  // would mint on every run; a fresh session is the most that can be handed out.
  const need = Math.min(margin, asked);
  return {
    minRemainingSeconds: flags.durationSeconds === undefined ? need : Math.max(need, asked),
    minDurationSeconds: asked,
  };
}

/**
 * Executes a plan. The newest usable cached step wins (a cached role session costs no STS call and
 * no source read); otherwise the chain runs from the source. If STS says a cached parent session
 * expired early, the cached steps below are dropped and the chain is minted anew, once. A cached
 * last step is reused only when it covers `flags` (`--duration`, `--min-remaining`); otherwise it is
 * minted again from its (usually cached) parent, so no new MFA code is needed.
 */
export async function credentialsFor(vsw: Vsw, plan: Plan, flags: ResolveFlags = {}): Promise<Credentials> {
  try {
    return await execute(vsw, plan, true, flags);
  } catch (error) {
    if (!isVswError(error, "VSW_STS_EXPIRED")) {
      await vsw.hooks.sessionFailed.promise({ step: plan.steps[plan.steps.length - 1] as PlanStep, error });
      throw error;
    }
    vsw.warn("A cached session was rejected as expired by STS; minting a new one.");
    const keystore = vsw.keystore();
    for (const step of plan.steps) await vsw.hooks.dropSession.promise({ step, keystore });
    return execute(vsw, plan, false, flags);
  }
}

async function execute(vsw: Vsw, plan: Plan, useCache: boolean, flags: ResolveFlags): Promise<Credentials> {
  const keystore = vsw.keystore();
  const steps = plan.steps;
  const lastIndex = steps.length - 1;
  let start = -1;
  let credentials: Credentials | undefined;
  if (useCache) {
    for (let i = lastIndex; i >= 0 && !credentials; i--) {
      const step = steps[i] as PlanStep;
      credentials = await vsw.hooks.cachedSession.promise({
        step,
        keystore,
        ...cacheNeeds(step, i === lastIndex, flags),
      });
      if (credentials) start = i;
    }
  }
  if (!credentials) {
    const [source] = steps;
    credentials = await vsw.hooks.sourceCredentials.promise({ step: source, keystore });
    if (!credentials) throw noAnswer("sourceCredentials", source);
    start = 0;
    if (source.type !== "keys")
      await vsw.hooks.sessionCreated.promise({ step: source, keystore, credentials });
  }
  for (let i = start + 1; i < steps.length; i++) {
    const step = steps[i] as SessionStep | PluginStep;
    const request = { step, keystore, ...cacheNeeds(step, i === lastIndex, flags) };
    credentials = await mint(vsw, request, credentials, useCache);
  }
  return credentials;
}

/**
 * Mints one session under a lock named after the step, so concurrent runs that need the same
 * session share one MFA prompt: the second one finds the first one's session in the cache.
 */
async function mint(
  vsw: Vsw,
  request: CacheRequest & { step: SessionStep | PluginStep },
  parent: Credentials,
  useCache: boolean,
): Promise<Credentials> {
  const { step, keystore } = request;
  const run = async () => {
    if (useCache) {
      const cached = await vsw.hooks.cachedSession.promise(request);
      if (cached) return cached;
    }
    if (!step.mfaSerial) return call(undefined);
    // Under the serial's lock: runs minting different profiles with one device take turns, and a
    // code already sent (by any run, from any source) is never sent again (spent-codes.ts).
    const serial = step.mfaSerial;
    return vsw.lock(`mfa/${serial}`, async () => {
      let mfaToken = await vsw.hooks.mfaToken.promise(mfaRequest(vsw, step));
      for (let tries = 0; mfaToken && isSpent(vsw.env, serial, mfaToken, vsw.now()) && tries < 2; tries++) {
        const wait = untilNextStep(vsw.now()) + 1000;
        vsw.warn(
          `The MFA code for "${serial}" was already used (AWS accepts a code once); waiting ${Math.ceil(wait / 1000)} s for the next one.`,
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
        mfaToken = await vsw.hooks.mfaToken.promise(mfaRequest(vsw, step));
      }
      return call(mfaToken);
    });
  };
  const call = async (mfaToken: string | undefined) => {
    if (mfaToken !== undefined && !/^\d{6}$/.test(mfaToken)) {
      // Refused before any STS call: a malformed code would only burn a request and read as "wrong".
      throw new VswError("VSW_MFA_INVALID_CODE", `The MFA code for "${step.mfaSerial}" must be 6 digits.`, {
        hint: "Type the 6-digit code your MFA device shows now.",
      });
    }
    if (step.mfaSerial && !mfaToken) {
      throw new VswError(
        "VSW_MFA_REQUIRED",
        `Profile "${step.profile}" needs an MFA code and none was supplied.`,
        {
          hint: `Pass --mfa-token CODE, run vsw on a terminal, or set a source that needs none: mfa_source = totp (after ${commandHint("vsw mfa add", step.profile)}), mfa_source = ykman, or mfa_process.`,
        },
      );
    }
    // Sent is spent: AWS may have consumed the code even when the call fails.
    if (mfaToken && step.mfaSerial) markSpent(vsw.env, step.mfaSerial, mfaToken, vsw.now());
    const credentials = await vsw.hooks.session.promise({ step, parent, mfaToken });
    if (!credentials) throw noAnswer("session", step);
    await vsw.hooks.sessionCreated.promise({ step, keystore, credentials });
    return credentials;
  };
  // Why a lock: two shells switching at once must share one MFA prompt and one mint (the second
  // finds the first's session in the cache). The lock is the core's, named per keystore.
  const lockName = `mint/${vsw.keystoreName}/${step.type}/${step.profile}`;
  if (!step.mfaSerial) return run();
  return vsw.lock(lockName, run, {
    onWait: (pid) =>
      vsw.warn(
        `Waiting for another vsw${pid ? ` (pid ${pid})` : ""} that is getting the session of "${step.profile}" (it may be asking for the MFA code); this run then uses that session.`,
      ),
  });
}

function noAnswer(hook: string, step: PlanStep): VswError {
  return new VswError(
    "VSW_NO_SOURCE",
    `No plugin answered "${hook}" for the ${step.type} step of "${step.profile}".`,
    {
      hint: "A plugin that handles this kind of step is missing; check --keystore and your plugins.",
    },
  );
}

/** Turns credentials into text with the named format; an unknown name lists the known ones. */
export async function formatCredentials(vsw: Vsw, format: string, request: FormatRequest): Promise<string> {
  const hook = vsw.hooks.format.get(format);
  if (!hook) {
    throw new VswError("VSW_FORMAT_UNKNOWN", `Format "${format}" is not known.`, {
      hint: `Known formats: ${vsw.hooks.format.names().join(", ")}.`,
    });
  }
  const text = hook.call(request);
  if (text === undefined) {
    throw new VswError("VSW_FORMAT_UNKNOWN", `Format "${format}" cannot represent this request.`, {
      hint: request.shell ? `Shell "${request.shell}" may not be supported by this format.` : undefined,
    });
  }
  return text;
}

/**
 * The `mfaToken` request of a step: its serial and `mfa_process`, the other `mfa_*` settings, and
 * the source the user chose, checked against the sources plugins offer.
 */
export function mfaRequest(vsw: Vsw, step: SessionStep | PluginStep): MfaRequest {
  const choice = chosenMfaSource(vsw, step.profile, step.mfaOptions);
  checkMfaChoice(vsw, choice);
  return {
    profile: step.profile,
    serial: step.mfaSerial as string,
    mfaProcess: step.mfaProcess ?? null,
    step,
    source: choice?.name ?? null,
    options: step.mfaOptions ?? {},
  };
}
