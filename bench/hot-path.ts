/**
 * Hot-path benchmark (`npm run bench`): median wall time of `vsw export P --format env` on a cached
 * session, side by side in one run with `node -e 0` and with the AWS CLI v2's
 * `configure export-credentials` on a static profile (when /usr/bin/aws is there). Runs are
 * interleaved so machine noise hits all of them alike; the ratios are what count.
 * Targets: cached export ≤ 1.5 × node -e 0, and ≥ 4 × faster than the AWS CLI v2.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { addBaseKeys, makeHome, runVsw, startWorld, VSW } from "../test/helpers/harness.js";

const rounds = Number(process.env.BENCH_ROUNDS ?? 30);
const world = await startWorld();
const home = makeHome();
home.writeConfig(world.config);
await addBaseKeys(home, world);
const warm = await runVsw(["export", "dev", "--format", "env", "--mfa-token", world.code()], {
  env: home.env,
});
if (warm.code !== 0) throw new Error(`could not mint the session: ${warm.stderr}`);
const callsBefore = world.emu.calls.length;
// A static profile for the AWS CLI, in its own credentials file (the bench's throwaway HOME).
writeFileSync(
  join(home.dir, ".aws", "credentials"),
  `[static]\naws_access_key_id = ${world.accessKeyId}\naws_secret_access_key = ${world.secretAccessKey}\n`,
);

type Case = { name: string; file: string; args: string[]; env?: NodeJS.ProcessEnv; before?: () => void };
const cases: Case[] = [
  { name: "node -e 0", file: process.execPath, args: ["-e", "0"] },
  {
    name: "vsw export (cached, warm unlock)",
    file: process.execPath,
    args: [VSW, "export", "dev", "--format", "env"],
  },
];
const aws = "/usr/bin/aws";
if (existsSync(aws)) {
  cases.push({
    name: "aws configure export-credentials",
    file: aws,
    args: ["configure", "export-credentials", "--profile", "static"],
  });
}
const unlockDir = home.env.XDG_RUNTIME_DIR as string;
cases.push({
  name: "vsw export (cached, cold unlock: scrypt)",
  file: process.execPath,
  args: [VSW, "export", "dev", "--format", "env"],
  // Forget the unlocked key before each run so the passphrase KDF runs every time.
  before: () => rmSync(join(unlockDir, "vsw"), { recursive: true, force: true }),
});

const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let i = 0; i < rounds; i++) {
  for (const c of cases) {
    c.before?.();
    const start = process.hrtime.bigint();
    const r = spawnSync(c.file, c.args, { env: { ...home.env, ...c.env }, encoding: "utf8" });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${c.name} failed: ${r.stderr}`);
    times.get(c.name)?.push(ms);
  }
}
const stsCallsDuringBench = world.emu.calls.length - callsBefore;
await world.emu.close();
home.cleanup();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const m = new Map([...times].map(([k, v]) => [k, median(v)]));
const node = m.get("node -e 0") as number;
const vsw = m.get("vsw export (cached, warm unlock)") as number;
console.log(`rounds: ${rounds} (interleaved), medians:`);
for (const [name, ms] of m) console.log(`  ${name.padEnd(42)} ${ms.toFixed(1).padStart(7)} ms`);
console.log(`ratio vsw export / node -e 0:        ${(vsw / node).toFixed(2)}  (target ≤ 1.50)`);
const awsMs = m.get("aws configure export-credentials");
if (awsMs) console.log(`ratio aws export-credentials / vsw: ${(awsMs / vsw).toFixed(2)}  (target ≥ 4.00)`);
else console.log("aws CLI v2 not at /usr/bin/aws: ratio against it not measured");
const cold = m.get("vsw export (cached, cold unlock: scrypt)") as number;
console.log(`cold unlock costs ${(cold - vsw).toFixed(0)} ms more than a warm one`);
console.log(`STS calls made by the cached runs: ${stsCallsDuringBench}`);
