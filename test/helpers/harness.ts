/**
 * Shared integration-test harness: a throwaway HOME (never the real ~/.aws or keychain), the built
 * `vsw` binary, and the in-repo STS emulator with a world of one MFA user and two roles.
 */

import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { type StsEmulator, startStsEmulator, totp } from "../../src/sandbox/index.js";

export const ROOT = resolve(import.meta.dirname, "../..");
export const VSW = join(ROOT, "dist", "vsw.cjs");
export const MFA_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
export const MFA_SERIAL = "arn:aws:iam::111111111111:mfa/me";
/** Random per test process, so no copy of it in the sources (or another run's files) can match a search. */
export const PASSPHRASE = `pass-${randomBytes(12).toString("base64url")}`;

/** A temporary HOME with its own config, keystore dir and RAM-backed runtime dir; removed at the end. */
export interface Home {
  dir: string;
  env: NodeJS.ProcessEnv;
  configFile: string;
  writeConfig(text: string): void;
  cleanup(): void;
}

/** Makes a temporary HOME. The environment keeps PATH and little else, so nothing of the user's leaks in. */
export function makeHome(extraEnv: NodeJS.ProcessEnv = {}): Home {
  const dir = mkdtempSync(join(tmpdir(), "vsw-home-"));
  // The unlock cache needs a RAM filesystem; /dev/shm is tmpfs on Linux.
  const runtime = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vsw-run-"));
  mkdirSync(join(dir, ".aws"), { recursive: true });
  const configFile = join(dir, ".aws", "config");
  writeFileSync(configFile, "");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    USER: "tester",
    LANG: "C.UTF-8",
    AWS_CONFIG_FILE: configFile,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, ".aws", "credentials"),
    XDG_DATA_HOME: join(dir, ".local", "share"),
    XDG_CONFIG_HOME: join(dir, ".config"),
    XDG_RUNTIME_DIR: runtime,
    VSW_FILE_PASSPHRASE: PASSPHRASE,
    // Named, so no test depends on this machine's keychain (the default choice has tests of its own).
    VSW_KEYSTORE: "file",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    ...extraEnv,
  };
  return {
    dir,
    env,
    configFile,
    writeConfig: (text) => writeFileSync(configFile, text),
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      rmSync(runtime, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `vsw` with `args` (no shell involved) and collects its output. */
export function runVsw(
  args: string[],
  options: { env: NodeJS.ProcessEnv; input?: string } & SpawnOptions,
): Promise<RunResult> {
  return run(process.execPath, [VSW, ...args], options);
}

/** Runs any program and collects its output. */
export function run(
  file: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; input?: string } & SpawnOptions,
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { ...options, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    // A child that exits without reading its stdin closes the pipe: EPIPE is not a test failure.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input ?? "");
  });
}

/** The emulator world the integration tests share: user `me` (MFA) in 111…, roles dev (222…) and prod (333…). */
export interface World {
  emu: StsEmulator;
  accessKeyId: string;
  secretAccessKey: string;
  /** A fresh TOTP code for `me`, never the same one twice in a test run. */
  code(): string;
  /** The config text for this world, pointing the SDK at the emulator through endpoint_url. */
  config: string;
}

const usedCodes = new Set<string>();

/** Starts the emulator with the shared world. */
export async function startWorld(): Promise<World> {
  const emu = await startStsEmulator();
  const user = emu.createUser({
    account: "111111111111",
    name: "me",
    mfa: { serial: MFA_SERIAL, secretBase32: MFA_SECRET },
  });
  emu.createRole({
    account: "222222222222",
    name: "dev",
    trust: { principals: ["111111111111"], requireMfa: true },
  });
  emu.createRole({
    account: "333333333333",
    name: "prod",
    trust: { principals: ["111111111111"], requireMfa: true },
    maxSessionDuration: 43200,
  });
  const config = `[profile base]
region = eu-west-1
mfa_serial = ${MFA_SERIAL}
endpoint_url = ${emu.url}

[profile dev]
source_profile = base
role_arn = arn:aws:iam::222222222222:role/dev
mfa_serial = ${MFA_SERIAL}
region = eu-west-1
endpoint_url = ${emu.url}

[profile prod]
source_profile = base
role_arn = arn:aws:iam::333333333333:role/prod
mfa_serial = ${MFA_SERIAL}
region = us-east-2
endpoint_url = ${emu.url}
`;
  return {
    emu,
    accessKeyId: user.accessKeyId,
    secretAccessKey: user.secretAccessKey,
    config,
    code() {
      // Codes are single-use at the emulator (as at AWS): walk the ±1 step window, then wait.
      for (;;) {
        const now = Math.floor(Date.now() / 1000);
        // The previous step's code only while it stays inside the emulator's ±1 window until the
        // request lands: not in the last seconds of the current step.
        const offsets = now % 30 < 25 ? [0, 30, -30] : [0, 30];
        for (const offset of offsets) {
          const c = totp(MFA_SECRET, now + offset);
          if (!usedCodes.has(c)) {
            usedCodes.add(c);
            return c;
          }
        }
        spawnSync("sleep", ["1"]);
      }
    },
  };
}

/** Stores the world's user keys under `profile` with `vsw add --env` in `env`; fails the test when it fails. */
export async function addKeys(env: NodeJS.ProcessEnv, world: World, profile = "base"): Promise<RunResult> {
  const result = await runVsw(["add", profile, "--env"], {
    env: { ...env, AWS_ACCESS_KEY_ID: world.accessKeyId, AWS_SECRET_ACCESS_KEY: world.secretAccessKey },
  });
  if (result.code !== 0) throw new Error(`vsw add failed: ${result.stderr}`);
  return result;
}

/** Adds the world's keys for `base` to the home's keystore. */
export async function addBaseKeys(home: Home, world: World): Promise<void> {
  await addKeys(home.env, world);
}

/** A world and a HOME holding its config and the base user's keys (`keys: false` leaves them out). */
export async function worldWithHome(options: { keys?: boolean } = {}): Promise<{ world: World; home: Home }> {
  const world = await startWorld();
  const home = makeHome();
  home.writeConfig(world.config);
  if (options.keys !== false) await addBaseKeys(home, world);
  return { world, home };
}

/** Removes what `worldWithHome` made. */
export async function closeWorld(world: World, home: Home): Promise<void> {
  home.cleanup();
  await world.emu.close();
}

/**
 * Returns the path of a system tool, or skips the test with a visible reason when it is missing —
 * except under CI=true, where `.ci/run` installed it, so a missing tool is a failure.
 */
export function requireTool(t: TestContext, name: string): string | undefined {
  const found = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).stdout.trim();
  if (found) return found;
  if (process.env.CI === "true") throw new Error(`${name} is required under CI=true (.ci/run installs it)`);
  t.skip(`${name} is not installed on this machine (.ci/run installs it)`);
  return undefined;
}
