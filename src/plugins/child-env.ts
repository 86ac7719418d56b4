/**
 * The one rule for the environment of every process vsw starts: `vsw exec`'s command,
 * `credential_process` and `mfa_process`. Which variables are secrets is declared by the plugins
 * that own them (`vsw.childSecrets.add(NAME)`; the file keystore declares `VSW_FILE_PASSPHRASE`),
 * not listed here.
 *
 * Security decision: a declared secret reaches no child unless the user sets `<NAME>_INHERIT=1`
 * for it (`VSW_FILE_PASSPHRASE_INHERIT=1`, the opt-in of issue 7): one spelling for every plugin,
 * so a user who learned one opt-in knows them all, and a plugin cannot grant it by itself.
 */
import type { Env } from "../plugin.js";

/** A copy of `env` for a child process, without the declared `secrets` the user did not let through. */
export function childEnv(env: Env, secrets: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value;
  for (const name of secrets) if (env[`${name}_INHERIT`] !== "1") delete out[name];
  return out;
}
