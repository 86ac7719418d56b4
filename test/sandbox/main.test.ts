import assert from "node:assert/strict";
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parseWorldConfig } from "../../src/sandbox/world-config.js";
import { codeOf, isolatedAwsEnv, loadSdk } from "./helpers.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/sandbox/main.ts", import.meta.url));

interface Started {
  child: ChildProcessWithoutNullStreams;
  line: {
    url: string;
    users: Array<{
      arn: string;
      accessKeyId: string;
      secretAccessKey: string;
      mfa?: { serial: string; secretBase32: string };
    }>;
    roles: Array<{ arn: string }>;
  };
}

/** Starts `main.ts` and resolves with its first stdout line; the child is killed when the test ends. */
function startMain(t: TestContext, args: string[]): Promise<Started> {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO,
    env: isolatedAwsEnv(),
  });
  t.after(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf("\n");
      if (newline >= 0) resolve({ child, line: JSON.parse(out.slice(0, newline)) });
    });
    child.on("exit", (code) => reject(new Error(`main.ts exited with ${code}: ${err}`)));
  });
}

function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

describe("standalone emulator", () => {
  test("the default world is printed as one JSON line and its keys work", async (t) => {
    const sdk = await loadSdk();
    const { line } = await startMain(t, []);
    const me = line.users[0];
    assert.ok(me);
    const sts = new sdk.STSClient({ endpoint: line.url, region: "us-east-1", credentials: me });
    const who = await sts.send(new sdk.GetCallerIdentityCommand({}));
    assert.deepEqual(
      [who.Arn, line.roles.map((r) => r.arn)],
      [
        "arn:aws:iam::111111111111:user/me",
        ["arn:aws:iam::222222222222:role/dev", "arn:aws:iam::333333333333:role/prod"],
      ],
    );
  });

  test("the default prod role needs the printed MFA device", async (t) => {
    const sdk = await loadSdk();
    const { line } = await startMain(t, []);
    const me = line.users[0];
    assert.ok(me?.mfa);
    const sts = new sdk.STSClient({ endpoint: line.url, region: "us-east-1", credentials: me });
    const out = await sts.send(
      new sdk.AssumeRoleCommand({
        RoleArn: "arn:aws:iam::333333333333:role/prod",
        RoleSessionName: "demo",
        SerialNumber: me.mfa.serial,
        TokenCode: codeOf(me.mfa.secretBase32),
      }),
    );
    assert.equal(out.AssumedRoleUser?.Arn, "arn:aws:sts::333333333333:assumed-role/prod/demo");
  });

  test("a config file's users keep the keys it gives them", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "vsw-sts-main-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, "world.json");
    const user = {
      account: "123456789012",
      name: "ci",
      accessKeyId: "AKIAIOSFODNN7EXAMPLE",
      secretAccessKey: "s".repeat(40),
    };
    writeFileSync(config, JSON.stringify({ users: [user], roles: [] }));
    const { line } = await startMain(t, [config]);
    assert.deepEqual(
      [line.users[0]?.arn, line.users[0]?.accessKeyId, line.roles],
      ["arn:aws:iam::123456789012:user/ci", "AKIAIOSFODNN7EXAMPLE", []],
    );
  });

  test("SIGTERM stops it with exit code 0", async (t) => {
    const { child } = await startMain(t, []);
    const exited = exitOf(child);
    child.kill("SIGTERM");
    assert.equal(await exited, 0);
  });

  test("an invalid config file exits 1 and names the bad field on stderr", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "vsw-sts-main-"));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const config = join(dir, "world.json");
    writeFileSync(config, JSON.stringify({ users: [{ account: "123456789012" }] }));
    await assert.rejects(
      startMain(t, [config]),
      /exited with 1: sts-emulator: Config "users\[0\]\.name" must be a string\./,
    );
  });
});

describe("world config", () => {
  test("roles need an array of principals", () => {
    assert.throws(
      () =>
        parseWorldConfig({
          roles: [{ account: "123456789012", name: "r", trust: { principals: "123456789012" } }],
        }),
      /"roles\[0\]\.trust\.principals" must be an array of strings/,
    );
  });

  test("a valid config is returned as given", () => {
    const config = { port: 0, users: [{ account: "123456789012", name: "u" }], roles: [] };
    assert.deepEqual(parseWorldConfig(config), config);
  });
});
