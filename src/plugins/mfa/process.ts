import type { Env, TerminalStreams, VswPlugin } from "../../plugin.js";
import { STAGE_DEFAULT, VswError } from "../../plugin.js";
import { childEnv } from "../child-env.js";

const NAME = "mfa-process";

/**
 * Answers MFA requests of profiles with `mfa_process`: runs it with `sh -c` and takes its stdout,
 * trimmed. Its stdin and stderr are the terminal, so it can ask the user itself (aws-vault's
 * `mfa_process` works the same way).
 */
export function processMfa(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.mfaSources.tap(NAME, (list) => [
        ...list,
        { name: "process", description: "mfa_process", order: 10, available: (r) => !!r.mfaProcess },
      ]);
      vsw.hooks.mfaToken.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async (request) => {
        if (request.source && request.source !== "process") return undefined;
        if (!request.mfaProcess) {
          if (request.source !== "process") return undefined;
          throw new VswError(
            "VSW_CONFIG_INVALID",
            `The MFA source of profile "${request.profile}" is "process", but it has no mfa_process.`,
            {
              hint: "Set mfa_process = COMMAND in the profile (a command that prints the code), or choose another mfa_source.",
            },
          );
        }
        // The keystore's passphrase is vsw's secret: the one rule for children applies (child-env.ts).
        const { code, stdout } = await run(
          request.mfaProcess,
          childEnv(vsw.env, vsw.childSecrets),
          vsw.terminal.open(),
          request.profile,
        );
        if (code !== 0) {
          throw new VswError(
            "VSW_MFA_PROCESS_FAILED",
            `The mfa_process of profile "${request.profile}" exited with code ${code}.`,
            { hint: "Its own error output is above; run the command by hand to see it." },
          );
        }
        const token = stdout.trim();
        if (!token) {
          throw new VswError(
            "VSW_MFA_PROCESS_FAILED",
            `The mfa_process of profile "${request.profile}" printed nothing.`,
            {
              hint: "It must print the 6-digit code on stdout.",
            },
          );
        }
        return token;
      });
    },
  };
}

/** The most an mfa_process may print. */
const MAX_OUTPUT_BYTES = 64 * 1024;

async function run(
  command: string,
  env: Env,
  terminal: TerminalStreams | undefined,
  profile: string,
): Promise<{ code: number; stdout: string }> {
  // child_process costs ~15 ms to load; only profiles that run a command pay for it.
  const { spawn } = await import("node:child_process");
  const [input, output] = terminal?.fds ?? [];
  return new Promise<{ code: number; stdout: string }>((resolve, reject) => {
    const child = spawn("sh", ["-c", command], {
      stdio: [input ?? "ignore", "pipe", output ?? "inherit"],
      env: env as NodeJS.ProcessEnv,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    child.stdout?.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_OUTPUT_BYTES) {
        chunks.push(chunk);
        return;
      }
      // A code is a few bytes: a runaway command must not fill the heap. Stop reading, end it.
      child.stdout?.destroy();
      child.kill("SIGKILL");
      reject(
        new VswError(
          "VSW_MFA_PROCESS_FAILED",
          `The mfa_process of profile "${profile}" printed more than 64 KiB and was stopped.`,
          {
            hint: "It must print the 6-digit code on stdout.",
          },
        ),
      );
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(chunks).toString("utf8") });
    });
  }).finally(() => terminal?.close());
}
