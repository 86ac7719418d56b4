/**
 * An IAM Identity Center world for tests: the emulator with SSO assignments, a HOME whose config
 * is written as `aws configure sso` writes it (plus a role chained from the SSO profile), the SDK
 * endpoint variables pointed at the emulator, and helpers to approve a device sign-in while a
 * client (vsw or the AWS CLI) waits for it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type StsEmulator, startStsEmulator } from "../../src/sandbox/index.js";
import { type Home, makeHome, type RunResult, VSW } from "./harness.js";

export const START_URL = "https://corp.awsapps.com/start";

export interface SsoWorld {
  emu: StsEmulator;
  home: Home;
  /** The config text written to the home. */
  config: string;
  /** The token file of `[sso-session corp]` (sha1 of "corp"). */
  tokenFile: string;
  close(): Promise<void>;
}

/** Starts the emulator with accounts 333… (Admin, ReadOnly) and 444… (Admin) and a role `deploy` in 555… trusting 333…. */
export async function startSsoWorld(extraConfig = ""): Promise<SsoWorld> {
  const emu = await startStsEmulator();
  emu.sso.assign({ accountId: "333333333333", accountName: "Corp Prod", roleName: "Admin" });
  emu.sso.assign({ accountId: "333333333333", accountName: "Corp Prod", roleName: "ReadOnly" });
  emu.sso.assign({ accountId: "444444444444", accountName: "sandbox", roleName: "Admin" });
  emu.createRole({ account: "555555555555", name: "deploy", trust: { principals: ["333333333333"] } });
  const home = makeHome({
    AWS_ENDPOINT_URL_SSO: emu.url,
    AWS_ENDPOINT_URL_SSO_OIDC: emu.url,
  });
  // As `aws configure sso` (2.9) writes it, then a role chained from the SSO profile.
  const config = `[profile sso-admin]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = Admin
region = eu-west-1
output = json

[sso-session corp]
sso_start_url = ${START_URL}
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile deploy]
source_profile = sso-admin
role_arn = arn:aws:iam::555555555555:role/deploy
endpoint_url = ${emu.url}
${extraConfig}`;
  home.writeConfig(config);
  return {
    emu,
    home,
    config,
    tokenFile: join(
      home.dir,
      ".aws",
      "sso",
      "cache",
      `${createHash("sha1").update("corp").digest("hex")}.json`,
    ),
    async close() {
      home.cleanup();
      await emu.close();
    },
  };
}

/**
 * Runs `file args`, approves the device code it prints (found in its stdout or stderr), and
 * collects its output. `detached`: no controlling terminal.
 */
export function runApproving(
  emu: StsEmulator,
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { deny?: boolean; delayMs?: number } = {},
): Promise<RunResult & { userCode: string | undefined }> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(file, args, { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "";
    let stderr = "";
    let userCode: string | undefined;
    const look = () => {
      if (userCode) return;
      const match = /\b([B-Z]{4}-[B-Z]{4})\b/.exec(stdout + stderr);
      if (!match?.[1]) return;
      const code = match[1];
      userCode = code;
      const answer = () => (options.deny ? emu.sso.deny(code) : emu.sso.approve(code));
      if (options.delayMs) setTimeout(answer, options.delayMs);
      else answer();
    };
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      look();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
      look();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, userCode });
    });
  });
}

/** `vsw ARGS`, approving the device code it prints. */
export function vswApproving(world: SsoWorld, args: string[], env: NodeJS.ProcessEnv = world.home.env) {
  return runApproving(world.emu, process.execPath, [VSW, ...args], env);
}

/** Reads the cached token of `[sso-session corp]`. */
export function readToken(world: SsoWorld): Record<string, string> {
  return JSON.parse(readFileSync(world.tokenFile, "utf8")) as Record<string, string>;
}

/** Overwrites the cached token of `[sso-session corp]`. */
export function writeToken(world: SsoWorld, token: Record<string, string>): void {
  mkdirSync(join(world.home.dir, ".aws", "sso", "cache"), { recursive: true, mode: 0o700 });
  writeFileSync(world.tokenFile, JSON.stringify(token), { mode: 0o600 });
}

/**
 * An `AWS_DATA_PATH` folder that points the AWS CLI v2 (2.9.19, which predates the endpoint
 * variables and ignores --endpoint-url in `aws sso login`) at the emulator: botocore loads a
 * service's `endpoint-rule-set-1.json` from AWS_DATA_PATH before its own, so a rule set with one
 * unconditional endpoint sends sso, sso-oidc and sts to `url`. The parameters are the real rule
 * sets' (the resolver checks the ones the client passes).
 */
export function cliDataPath(dir: string, url: string): string {
  const flag = (builtIn: string) => ({ builtIn, required: true, default: false, type: "Boolean" });
  const parameters = {
    Region: { builtIn: "AWS::Region", required: false, type: "String" },
    UseDualStack: flag("AWS::UseDualStack"),
    UseFIPS: flag("AWS::UseFIPS"),
    Endpoint: { builtIn: "SDK::Endpoint", required: false, type: "String" },
  };
  const services: Array<[string, string, Record<string, unknown>]> = [
    ["sso", "2019-06-10", parameters],
    ["sso-oidc", "2019-06-10", parameters],
    ["sts", "2011-06-15", { ...parameters, UseGlobalEndpoint: flag("AWS::STS::UseGlobalEndpoint") }],
  ];
  for (const [service, version, params] of services) {
    const folder = join(dir, service, version);
    mkdirSync(folder, { recursive: true });
    const ruleSet = {
      version: "1.0",
      parameters: params,
      rules: [{ conditions: [], endpoint: { url, properties: {}, headers: {} }, type: "endpoint" }],
    };
    writeFileSync(join(folder, "endpoint-rule-set-1.json"), JSON.stringify(ruleSet));
  }
  return dir;
}
