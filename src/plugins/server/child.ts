/**
 * The command `vsw exec --server` runs: its environment (no credential variable, the server's URL
 * and token) and the process itself, with `vsw exec`'s signal forwarding.
 */
import type { ResolvedCredentials, Vsw } from "../../plugin.js";
import { childEnv } from "../child-env.js";
import { exportedVariables, SWITCH_VARIABLES } from "../format/variables.js";
import type { EcsServer } from "./ecs-server.js";

/**
 * What the child must not inherit besides a switch's variables: other credential sources the SDKs
 * read before the container endpoint (web identity) or instead of ours (another container endpoint).
 */
const SHADOWING = [
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  // The JS SDK reads the token file before the token variable.
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
];

/** Static keys: first in every SDK's chain, so with one of them set the server would never be asked. */
const STATIC_KEYS = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"];

/** Variables of a switch that describe one session: stale as soon as the server mints the next. */
const PER_SESSION = new Set([
  ...STATIC_KEYS,
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_SESSION_EXPIRATION",
  "VSW_EXPIRATION",
]);

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/**
 * The child's environment: vsw's, without declared secrets (child-env.ts), without any credential
 * variable, with the switch's descriptive variables (region, profile name) and the server's two.
 */
export function childEnvironment(
  vsw: Vsw,
  resolved: ResolvedCredentials,
  server: EcsServer,
): Record<string, string> {
  const env = childEnv(process.env, vsw.childSecrets);
  const inherited = [...STATIC_KEYS, ...SHADOWING].filter((name) => env[name] !== undefined);
  // Keys of a vsw switch are replaced silently, as plain `vsw exec` does; anyone else's are named.
  if (inherited.length && !env.VSW_PROFILE) {
    vsw.warn(
      `${inherited.join(", ")} from the environment ${inherited.length > 1 ? "are" : "is"} not passed to the command: the AWS SDKs would use ${inherited.length > 1 ? "them" : "it"} instead of vsw's credentials server.`,
    );
  }
  for (const name of [...SWITCH_VARIABLES, ...SHADOWING]) delete env[name];
  for (const [name, value] of exportedVariables(resolved)) if (!PER_SESSION.has(name)) env[name] = value;
  env.AWS_CONTAINER_CREDENTIALS_FULL_URI = server.url;
  env.AWS_CONTAINER_AUTHORIZATION_TOKEN = server.token;
  return env;
}

/** Runs the child with stdio inherited and vsw's usual signals forwarded; its exit code or signal. */
export async function runChild(
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const { spawn } = await import("node:child_process");
  const child = spawn(file, args, { stdio: "inherit", env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    return await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve({ code, signal }));
    }).catch((error: NodeJS.ErrnoException) => {
      process.stderr.write(
        `vsw: ${file}: ${error.code === "ENOENT" ? "command not found" : error.message}\n`,
      );
      return { code: error.code === "ENOENT" ? 127 : 126, signal: null };
    });
  } finally {
    for (const signal of FORWARDED) process.off(signal, forward);
  }
}
