/**
 * Named stages: they order taps within a hook (webpack's convention), never registration order.
 * A tap passes one of these as its `stage`; never arithmetic on them.
 */

/** Policy taps run first, before caches and sources, so a refusal comes before anything is read. */
export const STAGE_POLICY = -20;
/** Caches answer before anything that costs a prompt, a secret read or an STS call. */
export const STAGE_CACHE = -10;
/** Answers the user gave explicitly (`--mfa-token`), before any source that has to find one. */
export const STAGE_EXPLICIT = -10;
/**
 * Checks that run before a source that asks a person or a device, so nothing is asked for nothing
 * (the STS plugin's reachability probe in `mfaToken`). A preflight tap declines (`undefined`) or throws.
 */
export const STAGE_PREFLIGHT = -5;
/** The default: non-interactive sources (files, flags, processes, the STS call). */
export const STAGE_DEFAULT = 0;
/** Last: sources that ask the user (the TTY prompt). */
export const STAGE_INTERACTIVE = 20;
