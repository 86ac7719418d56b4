/**
 * The end-to-end demo (`npm run demo`): a local STS emulator, a throwaway HOME and file keystore,
 * a base IAM user with MFA and two roles in other accounts. It stores the keys, runs a program under
 * `dev`, switches a bash shell to `prod`, and shows that MFA was asked once and that a cached
 * switch makes no STS call. Nothing touches your real ~/.aws or any network but 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { base32Encode, startStsEmulator } from "../src/sandbox/index.js";

const root = resolve(import.meta.dirname, "..");
const vswBin = join(root, "dist", "vsw.cjs");
const say = (text: string) => process.stdout.write(`\n\x1b[1m▸ ${text}\x1b[0m\n`);
const show = (text: string) => process.stdout.write(`${text.replace(/^/gm, "    ")}\n`);

const emu = await startStsEmulator();
const secret = base32Encode(crypto.getRandomValues(new Uint8Array(20)));
const serial = "arn:aws:iam::111111111111:mfa/me";
const me = emu.createUser({ account: "111111111111", name: "me", mfa: { serial, secretBase32: secret } });
emu.createRole({
  account: "222222222222",
  name: "dev",
  trust: { principals: ["111111111111"], requireMfa: true },
});
emu.createRole({
  account: "333333333333",
  name: "prod",
  trust: { principals: ["111111111111"], requireMfa: true },
});

const home = mkdtempSync(join(tmpdir(), "vsw-demo-"));
const runtime = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vsw-demo-run-"));
const mfaLog = join(home, "mfa-asked.log");
mkdirSync(join(home, ".aws"));
const config = `[profile base]
region = eu-west-1
mfa_serial = ${serial}
mfa_process = node --import tsx ${join(root, "examples", "totp-mfa.mjs")}

[profile dev]
source_profile = base
role_arn = arn:aws:iam::222222222222:role/dev
mfa_serial = ${serial}

[profile prod]
source_profile = base
role_arn = arn:aws:iam::333333333333:role/prod
mfa_serial = ${serial}
region = us-east-2
`;
writeFileSync(join(home, ".aws", "config"), config);
const env: NodeJS.ProcessEnv = {
  PATH: `${join(home, "bin")}:${process.env.PATH}`,
  HOME: home,
  USER: "demo",
  AWS_CONFIG_FILE: join(home, ".aws", "config"),
  AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
  XDG_DATA_HOME: join(home, ".local", "share"),
  XDG_RUNTIME_DIR: runtime,
  // The demo's own file keystore, named (never a keychain), and its passphrase; a real user types
  // it once per login session.
  VSW_KEYSTORE: "file",
  VSW_FILE_PASSPHRASE: "demo passphrase",
  AWS_ENDPOINT_URL_STS: emu.url,
  VSW_DEMO_TOTP_SECRET: secret,
  VSW_DEMO_MFA_LOG: mfaLog,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  NODE_PATH: join(root, "node_modules"),
};
mkdirSync(join(home, "bin"));
writeFileSync(join(home, "bin", "vsw"), `#!/bin/sh\nexec "${process.execPath}" "${vswBin}" "$@"\n`, {
  mode: 0o755,
});
// A tiny AWS client for the demo: GetCallerIdentity with the SDK, credentials from the environment.
const whoami = join(home, "bin", "whoami-aws.mjs");
writeFileSync(
  whoami,
  `import { STSClient, GetCallerIdentityCommand } from ${JSON.stringify(join(root, "node_modules/@aws-sdk/client-sts/dist-cjs/index.js"))};
const out = await new STSClient({ region: process.env.AWS_REGION ?? "us-east-1" }).send(new GetCallerIdentityCommand({}));
console.log(out.Arn);\n`,
);

/** Runs a bash script; asynchronous, so the emulator in this process keeps answering. */
async function sh(script: string): Promise<string> {
  const child = spawn("bash", ["-c", script], { env, cwd: root, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d;
  });
  child.stderr.on("data", (d: Buffer) => {
    err += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) {
    process.stderr.write(err);
    throw new Error(`demo step failed: ${script}`);
  }
  return (out + (err ? err.replace(/^/gm, "[stderr] ") : "")).trimEnd();
}

try {
  say(`STS emulator listening on ${emu.url}; throwaway HOME ${home}`);
  show(config.trim());

  say("vsw add base --env   (the long-lived keys go into the encrypted file keystore, nowhere else)");
  show(
    await sh(
      `AWS_ACCESS_KEY_ID=${me.accessKeyId} AWS_SECRET_ACCESS_KEY=${me.secretAccessKey} vsw add base --env`,
    ),
  );

  say("vsw plan prod   (how prod becomes credentials; no network)");
  show(await sh("vsw plan prod"));

  say("vsw exec dev -- node whoami-aws.mjs   (GetSessionToken with MFA, then AssumeRole into 222222222222)");
  show(await sh(`vsw exec dev -- node ${whoami}`));

  say('eval "$(vsw env prod)"   (a bash shell switched to prod; the MFA session is reused)');
  show(
    await sh(
      `eval "$(vsw env prod --shell bash)" && echo "VSW_PROFILE=$VSW_PROFILE VSW_ACCOUNT_ID=$VSW_ACCOUNT_ID AWS_REGION=$AWS_REGION" && node ${whoami}`,
    ),
  );

  const asked = existsSync(mfaLog) ? readFileSync(mfaLog, "utf8").split("\n").filter(Boolean).length : 0;
  say(`MFA was asked ${asked} time(s) for two roles; STS calls so far: ${summary()}`);

  emu.resetCalls();
  say('eval "$(vsw env dev)" again   (cached session: no STS call, no SDK loaded)');
  show(
    await sh(
      `eval "$(vsw env dev --shell bash)" && echo "switched to $VSW_PROFILE, expires $AWS_CREDENTIAL_EXPIRATION"`,
    ),
  );
  say(`STS calls for the cached switch: ${emu.calls.length}`);

  say("vsw list");
  show(await sh("vsw list"));
  if (asked !== 1 || emu.calls.length !== 0) throw new Error("demo expectations not met");
  say("Done: MFA once, sessions cached, keys never in ~/.aws/credentials.");
} finally {
  await emu.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(runtime, { recursive: true, force: true });
}

function summary(): string {
  const counts = new Map<string, number>();
  for (const call of emu.calls)
    if (call.status === 200) counts.set(call.action ?? "?", (counts.get(call.action ?? "?") ?? 0) + 1);
  return [...counts].map(([action, n]) => `${action}×${n}`).join(", ");
}
