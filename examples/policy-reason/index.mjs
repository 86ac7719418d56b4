/**
 * A vsw policy plugin that imports only `vsw/plugin`. For the profiles it guards:
 *
 * - outside the configured hours and days, vsw refuses (`POLICY_OUTSIDE_HOURS`);
 * - without a reason in `VSW_REASON`, vsw refuses (`POLICY_REASON_REQUIRED`);
 * - the reason is sent as the `SourceIdentity` of every AssumeRole of the chain, so CloudTrail
 *   records it on every call made with the session (the role's trust policy must allow
 *   `sts:SetSourceIdentity`).
 *
 * Both refusals come from the `authorize` hook: before any secret is read, any MFA code asked or
 * any STS call made, and nothing is cached. Options (`[plugin policy]` of the vsw config file):
 *
 *   profiles = prod*, *-admin   comma-separated globs (`*` any run of characters); required
 *   hours    = 08:00-19:00      allowed local time window, `HH[:MM]-HH[:MM]` (may wrap midnight)
 *   days     = Mon-Fri         allowed weekdays: a range or a list (`Mon,Wed,Fri`)
 *   timezone = Europe/Paris    IANA zone of `hours` and `days` (default: vsw's own)
 *   variable = VSW_REASON      where the reason comes from
 */
import { definePlugin, STAGE_DEFAULT, STAGE_POLICY, VswError } from "vsw/plugin";

const NAME = "policy-reason";
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export default definePlugin((options = {}) => {
  // A policy that cannot read its own options fails closed: it throws at load, so vsw stops.
  const guarded = globs(options.profiles);
  const hours = options.hours ? window(options.hours) : undefined;
  const days = options.days ? weekdays(options.days) : undefined;
  const timeZone = options.timezone || undefined;
  const variable = options.variable || "VSW_REASON";
  if (timeZone) new Intl.DateTimeFormat("en-US", { timeZone }); // a RangeError names a bad zone
  // The plan's own profile or any profile of its chain: an alias must not sidestep the policy.
  const applies = (plan) => [plan.profile, ...plan.steps.map((step) => step.profile)].some(guarded);
  return {
    name: NAME,
    version: "1.0.0",
    apiVersion: "^1.0.0",
    apply(vsw) {
      vsw.hooks.plan.tap({ name: NAME, stage: STAGE_DEFAULT }, (plan, { env }) => {
        const reason = sourceIdentity(env[variable]);
        if (!applies(plan) || reason === undefined) return plan;
        const steps = plan.steps.map((step) =>
          step.type === "AssumeRole" ? { ...step, sourceIdentity: reason } : step,
        );
        return { ...plan, steps };
      });
      vsw.hooks.authorize.tap({ name: NAME, stage: STAGE_POLICY }, ({ plan, env }) => {
        if (!applies(plan)) return;
        const now = clock(new Date(vsw.now()), timeZone);
        if ((hours && !hours.has(now.minutes)) || (days && !days.has(now.day))) {
          throw new VswError(
            "POLICY_OUTSIDE_HOURS",
            `Profile "${plan.profile}" may only be used ${[options.days, options.hours].filter(Boolean).join(" ")}${timeZone ? ` (${timeZone})` : ""}.`,
            { hint: "Ask your administrators for an exception, or use another profile." },
          );
        }
        const raw = env[variable];
        if (!raw?.trim()) {
          throw new VswError(
            "POLICY_REASON_REQUIRED",
            `Profile "${plan.profile}" needs a reason in ${variable}.`,
            {
              hint: `Say why, e.g. ${variable}=INC-1234 vsw exec ${plan.profile} -- …`,
            },
          );
        }
        if (sourceIdentity(raw) === undefined) {
          throw new VswError(
            "POLICY_REASON_INVALID",
            `The reason in ${variable} must be 2 to 64 letters, digits, spaces or _+=,.@- characters.`,
            { hint: "It is sent to AWS as the session's SourceIdentity, which allows only these." },
          );
        }
      });
    },
  };
});

/** The reason as a SourceIdentity (spaces become `-`), or `undefined` when AWS would refuse it. */
function sourceIdentity(raw) {
  const value = (raw ?? "").trim().replace(/\s+/g, "-");
  return /^[\w+=,.@-]{2,64}$/.test(value) ? value : undefined;
}

/** A matcher for comma-separated globs; `*` matches any run of characters. */
function globs(text) {
  const patterns = (text ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (!patterns.length) {
    throw new VswError("POLICY_OPTION_INVALID", `The ${NAME} plugin needs a "profiles" option.`, {
      hint: "Add profiles = prod* (comma-separated globs) to its [plugin …] section.",
    });
  }
  const toRegex = (p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  const regex = new RegExp(`^(?:${patterns.map(toRegex).join("|")})$`);
  return (profile) => regex.test(profile);
}

/** The allowed minutes of the day for `HH[:MM]-HH[:MM]`; a window may wrap midnight (22-06). */
function window(text) {
  const match = /^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$/.exec(text);
  const from = match && Number(match[1]) * 60 + Number(match[2] ?? 0);
  const to = match && Number(match[3]) * 60 + Number(match[4] ?? 0);
  if (!match || from > 1440 || to > 1440) {
    throw new VswError("POLICY_OPTION_INVALID", `The ${NAME} hours "${text}" are not HH[:MM]-HH[:MM].`, {
      hint: "For example hours = 08:00-19:00.",
    });
  }
  return { has: (m) => (from <= to ? m >= from && m < to : m >= from || m < to) };
}

/** The allowed weekdays (0 = Sunday) of `Mon-Fri` or `Mon,Wed,Fri`. */
function weekdays(text) {
  const index = (name) => {
    const i = DAYS.findIndex((d) => d.toLowerCase() === name.trim().slice(0, 3).toLowerCase());
    if (i < 0) {
      throw new VswError("POLICY_OPTION_INVALID", `The ${NAME} days "${text}" name an unknown day.`, {
        hint: "Use Mon, Tue, Wed, Thu, Fri, Sat, Sun: a range (Mon-Fri) or a list (Mon,Wed).",
      });
    }
    return i;
  };
  const allowed = new Set();
  for (const part of text.split(",")) {
    const [first, last = first] = part.split("-");
    for (let d = index(first), end = index(last); ; d = (d + 1) % 7) {
      allowed.add(d);
      if (d === end) break;
    }
  }
  return allowed;
}

/** Minutes since midnight and weekday of `date` in `timeZone` (vsw's own zone by default). */
function clock(date, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
    })
      .formatToParts(date)
      .map((part) => [part.type, part.value]),
  );
  return { minutes: Number(parts.hour) * 60 + Number(parts.minute), day: DAYS.indexOf(parts.weekday) };
}
