/**
 * The one rule for the environment of every process vsw starts: `vsw exec`'s command,
 * `credential_process` and `mfa_process`.
 *
 * Security decision: the keystore passphrase (`VSW_FILE_PASSPHRASE`) is vsw's secret, so no child
 * receives it unless the user sets `VSW_FILE_PASSPHRASE_INHERIT=1`. A `credential_process` that is
 * itself vsw does not need it: it finds the key in the unlock cache (warm after any unlock), or asks
 * on the terminal. The opt-in exists for unattended nesting with the unlock cache off
 * (`VSW_FILE_UNLOCK_TTL=0`), where the nested vsw has neither.
 */
import type { Env } from "../plugin.js";

/** The variables no child inherits unless `VSW_FILE_PASSPHRASE_INHERIT=1`. */
export const CHILD_SECRETS = ["VSW_FILE_PASSPHRASE"] as const;

/** A copy of `env` for a child process, without vsw's secrets unless the user opted in. */
export function childEnv(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  if (env.VSW_FILE_PASSPHRASE_INHERIT !== "1") for (const name of CHILD_SECRETS) delete out[name];
  return out;
}
