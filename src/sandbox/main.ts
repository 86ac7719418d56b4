/**
 * Standalone STS emulator for demos: `node --import tsx src/sandbox/main.ts [world.json]`.
 *
 * Starts the emulator with the world in the JSON file (see `WorldConfig`), or the default world,
 * and prints one JSON line on stdout once listening:
 * `{"url":"http://127.0.0.1:PORT","users":[{…,"accessKeyId":…,"secretAccessKey":…,"mfa":{…}}],"roles":[…]}`.
 * The keys are printed on purpose: the reader of that line is the demo that needs them, and they
 * are only valid against this emulator. It runs until SIGTERM or SIGINT.
 *
 * `node dist/sandbox.js code DIR` instead prints the next MFA code of the `vsw sandbox` in DIR
 * (its `mfa_process`, see mfa-code.ts) and exits.
 */
import { readFile } from "node:fs/promises";
import { nextSandboxCode } from "./mfa-code.js";
import { startStsEmulator } from "./server.js";
import { applyWorldConfig, defaultWorldConfig, parseWorldConfig } from "./world-config.js";

async function main(configPath: string | undefined): Promise<void> {
  const config = configPath
    ? parseWorldConfig(JSON.parse(await readFile(configPath, "utf8")))
    : defaultWorldConfig();
  const emu = await startStsEmulator({ port: config.port ?? 0 });
  const created = applyWorldConfig(emu, config);
  const stop = () => {
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  process.stdout.write(`${JSON.stringify({ url: emu.url, ...created })}\n`);
}

const run =
  process.argv[2] === "code"
    ? async () => {
        process.stdout.write(`${nextSandboxCode(process.argv[3] ?? ".")}\n`);
      }
    : () => main(process.argv[2]);

run().catch((error: unknown) => {
  process.stderr.write(`sts-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
