import type { Credentials, Env, VswPlugin } from "../../plugin.js";
import { STAGE_DEFAULT, VswError } from "../../plugin.js";
import { childEnv } from "../child-env.js";

const NAME = "source-credential-process";

/**
 * Names the profiles whose `credential_process` is running above this process, so that
 * `credential_process = vsw export prod --format json` inside `[profile prod]` is refused instead
 * of forking itself forever.
 */
export const CHAIN_VARIABLE = "VSW_CREDENTIAL_PROCESS_CHAIN";

/** Answers `credential_process` steps: runs the command with `sh -c` and reads a Version 1 document. */
export function credentialProcessSource(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.sourceCredentials.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async ({ step }) => {
        if (step.type !== "credential_process") return undefined;
        const chain = (vsw.env[CHAIN_VARIABLE] ?? "").split("\n").filter(Boolean);
        if (chain.includes(step.profile)) {
          throw new VswError(
            "VSW_CREDENTIAL_PROCESS_RECURSION",
            `The credential_process of profile "${step.profile}" calls itself: ${[...chain, step.profile].join(" → ")}.`,
            { hint: "Point credential_process at a different profile, or remove it from this one." },
          );
        }
        const env = {
          ...childEnv(vsw.env, vsw.childSecrets),
          [CHAIN_VARIABLE]: [...chain, step.profile].join("\n"),
        };
        const { code, stdout } = await run(step.command, env, step.profile);
        if (code !== 0) {
          throw new VswError(
            "VSW_CREDENTIAL_PROCESS_FAILED",
            `The credential_process of profile "${step.profile}" exited with code ${code}.`,
            { hint: "Its own error output is above; run the command by hand to see it." },
          );
        }
        return parseDocument(stdout, step.profile);
      });
    },
  };
}

/** Parses a `credential_process` Version 1 document; a missing field is named, values never are. */
export function parseDocument(text: string, profile: string): Credentials {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw invalid(profile, "is not JSON");
  }
  if (typeof doc !== "object" || doc === null) throw invalid(profile, "is not a JSON object");
  if (doc.Version !== 1) throw invalid(profile, 'has no "Version": 1');
  for (const field of ["AccessKeyId", "SecretAccessKey"]) {
    if (typeof doc[field] !== "string" || doc[field] === "") throw invalid(profile, `lacks "${field}"`);
  }
  const credentials: Credentials = {
    accessKeyId: doc.AccessKeyId as string,
    secretAccessKey: doc.SecretAccessKey as string,
  };
  if (typeof doc.SessionToken === "string" && doc.SessionToken) credentials.sessionToken = doc.SessionToken;
  if (doc.Expiration !== undefined) {
    const expiration = typeof doc.Expiration === "string" ? Date.parse(doc.Expiration) : Number.NaN;
    if (Number.isNaN(expiration)) throw invalid(profile, 'has an "Expiration" that is not an RFC 3339 date');
    credentials.expiration = expiration;
  }
  return credentials;
}

function invalid(profile: string, what: string): VswError {
  return new VswError(
    "VSW_CREDENTIAL_PROCESS_FAILED",
    `The output of the credential_process of profile "${profile}" ${what}.`,
    { hint: 'It must print {"Version": 1, "AccessKeyId": …, "SecretAccessKey": …} on stdout.' },
  );
}

/** The most a credential_process may print: a Version 1 document is a few kilobytes. */
export const MAX_OUTPUT_BYTES = 1024 * 1024;

async function run(command: string, env: Env, profile: string): Promise<{ code: number; stdout: string }> {
  // child_process costs ~15 ms to load; only profiles that run a command pay for it.
  const { spawn } = await import("node:child_process");
  return new Promise((resolve, reject) => {
    // stdin and stderr stay on the terminal so the command can prompt; stdout is the document.
    const child = spawn("sh", ["-c", command], {
      stdio: ["inherit", "pipe", "inherit"],
      env: env as NodeJS.ProcessEnv,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) {
        chunks.push(chunk);
        return;
      }
      // A runaway command (`yes`, `cat /dev/zero`) must not fill the heap: stop reading, end it.
      child.stdout.destroy();
      child.kill("SIGKILL");
      reject(
        new VswError(
          "VSW_CREDENTIAL_PROCESS_FAILED",
          `The credential_process of profile "${profile}" printed more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB and was stopped.`,
          { hint: 'It must print one {"Version": 1, …} document on stdout.' },
        ),
      );
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(chunks).toString("utf8") });
    });
  });
}
