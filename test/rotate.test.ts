/**
 * `vsw rotate` end to end: the built `vsw` and the real AWS SDK (IAM and STS clients) against the
 * emulator's IAM route, with its two-keys-per-user quota and a delay before a new key works. A
 * rotation killed (SIGKILL) at each of its steps leaves a working key in the keystore and at most
 * one extra key at IAM, and the next run finishes it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, before, beforeEach, describe, test } from "node:test";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { User } from "../src/sandbox/world.js";
import { closeWorld, type Home, runVsw, VSW, type World, worldWithHome } from "./helpers/harness.js";

/** The key `vsw` stores for `profile` (the long-lived keys, exported with --no-session). */
async function storedKey(env: NodeJS.ProcessEnv, profile: string): Promise<{ id: string; secret: string }> {
  const r = await runVsw(["export", profile, "--no-session", "--format", "json"], { env });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { AccessKeyId: string; SecretAccessKey: string };
  return { id: doc.AccessKeyId, secret: doc.SecretAccessKey };
}

/** Whether STS accepts the key (GetCallerIdentity), as whom. */
async function works(url: string, key: { id: string; secret: string }): Promise<string | undefined> {
  const sts = new STSClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: key.id, secretAccessKey: key.secret },
    maxAttempts: 1,
  });
  try {
    return (await sts.send(new GetCallerIdentityCommand({}))).Arn;
  } catch {
    return undefined;
  } finally {
    sts.destroy();
  }
}

/** Runs `vsw rotate ARGS` and kills it (SIGKILL) once it says it paused after `point`. */
function rotateKilledAfter(
  env: NodeJS.ProcessEnv,
  point: string,
  args: string[],
): Promise<{ killed: boolean; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VSW, "rotate", ...args], {
      env: { ...env, VSW_TEST_ROTATE_PAUSE_MS: "3000" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let killed = false;
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (!killed && stderr.includes(`rotate paused after "${point}"`)) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.on("error", reject);
    child.on("close", () => resolve({ killed, stderr }));
  });
}

describe("vsw rotate", () => {
  let world: World;
  let home: Home;
  let ci: User;
  let env: NodeJS.ProcessEnv;
  const ids = () => ci.keys.map((k) => k.accessKeyId);

  before(async () => {
    ({ world, home } = await worldWithHome());
    const created = world.emu.createUser({ account: "111111111111", name: "ci" });
    const owner = world.emu.world.findKey(created.accessKeyId);
    assert.equal(owner?.kind, "user");
    ci = (owner as { user: User }).user;
    home.writeConfig(`${world.config}\n[profile ci]\nregion = eu-west-1\nendpoint_url = ${world.emu.url}\n`);
    env = { ...home.env, VSW_NO_PROMPT: "1" };
    const add = await runVsw(["add", "ci", "--env"], {
      env: { ...env, AWS_ACCESS_KEY_ID: created.accessKeyId, AWS_SECRET_ACCESS_KEY: created.secretAccessKey },
    });
    assert.equal(add.code, 0, add.stderr);
  });
  after(async () => closeWorld(world, home));
  beforeEach(() => {
    world.emu.world.newKeyDelayMs = 0;
  });

  test("replaces the stored key, waits until the new one works, then deletes the old one", async () => {
    world.emu.world.newKeyDelayMs = 1500;
    const old = await storedKey(env, "ci");
    world.emu.resetCalls();
    const r = await runVsw(["rotate", "ci"], { env });
    assert.equal(r.code, 0, r.stderr);
    const now = await storedKey(env, "ci");
    assert.notEqual(now.id, old.id);
    assert.equal(r.stdout, `Rotated the access key of "ci" (IAM user ci): ${old.id} → ${now.id}.\n`);
    assert.deepEqual(ids(), [now.id]);
    assert.equal(await works(world.emu.url, now), "arn:aws:iam::111111111111:user/ci");
    assert.equal(await works(world.emu.url, old), undefined);
    assert.match(r.stderr, /waiting for the new key/);
    // STS refused the new key while IAM "propagated" it; DeleteAccessKey came only after it worked.
    const calls = world.emu.calls;
    const refused = calls.filter((c) => c.accessKeyId === now.id && c.errorCode === "InvalidClientTokenId");
    assert.ok(refused.length >= 1, "the new key was retried");
    const worked = calls.findIndex(
      (c) => c.accessKeyId === now.id && c.action === "GetCallerIdentity" && c.status === 200,
    );
    const deleted = calls.findIndex((c) => c.action === "DeleteAccessKey" && c.status === 200);
    assert.ok(worked !== -1 && deleted > worked, "deleted after the new key worked");
    for (const text of [r.stdout, r.stderr]) assert.ok(!text.includes(now.secret), "no secret printed");
  });

  test("a user already holding two keys is VSW_IAM_LIMIT_EXCEEDED naming both and how to delete one", async () => {
    const stored = await storedKey(env, "ci");
    const extra = world.emu.world.createAccessKey(ci);
    try {
      const r = await runVsw(["rotate", "ci"], { env });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `IAM user ci already has two access keys, the most IAM allows: ${stored.id} \\(stored in vsw\\) and ${extra.accessKeyId}\\. \\(VSW_IAM_LIMIT_EXCEEDED\\)`,
        ),
      );
      assert.match(
        r.stderr,
        new RegExp(`aws iam delete-access-key --user-name ci --access-key-id ${extra.accessKeyId}`),
      );
      assert.deepEqual(ids(), [stored.id, extra.accessKeyId]);
    } finally {
      world.emu.world.deleteAccessKey(ci, extra.accessKeyId);
    }
  });

  test("a new key that never works stops with the old key stored, and a later run finishes", async () => {
    world.emu.world.newKeyDelayMs = 10 * 60_000;
    const old = await storedKey(env, "ci");
    const r = await runVsw(["rotate", "ci"], { env: { ...env, VSW_ROTATE_WAIT: "2s" } });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /was not accepted by STS within 2s; the old key is still stored and active\. \(VSW_ROTATE_FAILED\)/,
    );
    assert.deepEqual(await storedKey(env, "ci"), old);
    assert.ok(await works(world.emu.url, old));
    assert.equal(ids().length, 2);
    for (const key of ci.keys) key.usableFromWallMs = 0; // IAM has caught up
    const rerun = await runVsw(["rotate", "ci"], { env });
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stderr, /finished the interrupted rotation/);
    const now = await storedKey(env, "ci");
    assert.deepEqual(ids(), [now.id]);
    assert.notEqual(now.id, old.id);
  });

  for (const point of ["intent", "created", "recorded", "working", "stored", "deleted"]) {
    test(`killed after "${point}", the keystore holds a working key, IAM at most one more, and the rerun cleans up`, async () => {
      world.emu.world.newKeyDelayMs = 300;
      const before = await storedKey(env, "ci");
      const run = await rotateKilledAfter(env, point, ["ci"]);
      assert.ok(run.killed, `killed at ${point}: ${run.stderr}`);
      const held = await storedKey(env, "ci");
      assert.ok(await works(world.emu.url, held), "the stored key works");
      assert.ok(ids().includes(held.id));
      assert.ok(ids().length <= 2, "at most one extra key");
      const expectStored = ["stored", "deleted"].includes(point) ? "new" : "old";
      assert.equal(held.id === before.id ? "old" : "new", expectStored);
      const rerun = await runVsw(["rotate", "ci"], { env });
      assert.equal(rerun.code, 0, rerun.stderr);
      const after = await storedKey(env, "ci");
      assert.deepEqual(ids(), [after.id], "IAM holds only the stored key");
      assert.ok(await works(world.emu.url, after));
      if (point === "created")
        assert.match(rerun.stderr, /deleted AKIA\w+, the key an interrupted rotation created/);
      if (["recorded", "working", "stored", "deleted"].includes(point))
        assert.match(rerun.stderr, /finished the interrupted rotation/);
    });
  }

  test("with mfa_serial, IAM is called with an MFA session, and the profile's cached sessions are dropped", async () => {
    const cached = await runVsw(["export", "base", "--mfa-token", world.code()], { env });
    assert.equal(cached.code, 0, cached.stderr);
    world.emu.resetCalls();
    const r = await runVsw(["rotate", "base"], { env });
    assert.equal(r.code, 0, r.stderr);
    const create = world.emu.calls.find((c) => c.action === "CreateAccessKey");
    assert.match(create?.accessKeyId ?? "", /^ASIA/);
    assert.equal(world.emu.session(create?.accessKeyId ?? "")?.mfaAuthenticated, true);
    // The cached MFA session is gone: a switch now needs a code again.
    const again = await runVsw(["export", "base"], { env: { ...env, VSW_NO_PROMPT: "1" } });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /VSW_MFA_REQUIRED/);
    assert.ok(await works(world.emu.url, await storedKey(env, "base")));
  });

  test("--no-session on a user whose account requires MFA for IAM is VSW_IAM_ACCESS_DENIED with a hint", async () => {
    const before = await storedKey(env, "base");
    const r = await runVsw(["rotate", "base", "--no-session"], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /IAM refused GetUser for the user of "base": .*\(VSW_IAM_ACCESS_DENIED\)/);
    assert.match(r.stderr, /mfa_serial/);
    assert.deepEqual(await storedKey(env, "base"), before);
  });

  test("a role profile rotates the key of its source_profile", async () => {
    const before = await storedKey(env, "base");
    const r = await runVsw(["rotate", "dev", "--mfa-token", world.code()], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Rotated the access key of "base" \(IAM user me\)/);
    assert.notEqual((await storedKey(env, "base")).id, before.id);
  });

  test("IAM's endpoint comes from AWS_ENDPOINT_URL_IAM; unreachable, it is VSW_IAM_ERROR and nothing changes", async () => {
    const before = await storedKey(env, "ci");
    const r = await runVsw(["rotate", "ci"], { env: { ...env, AWS_ENDPOINT_URL_IAM: "http://127.0.0.1:9" } });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Could not reach IAM at "http:\/\/127\.0\.0\.1:9" for GetUser\. \(VSW_IAM_ERROR\)/,
    );
    assert.deepEqual(await storedKey(env, "ci"), before);
    assert.deepEqual(ids(), [before.id]);
  });

  test("a profile without stored keys is VSW_KEYS_NOT_FOUND", async () => {
    home.writeConfig(
      `${world.config}\n[profile ci]\nendpoint_url = ${world.emu.url}\n[profile nokeys]\nregion = eu-west-1\n`,
    );
    try {
      const r = await runVsw(["rotate", "nokeys"], { env });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Profile "nokeys" has no long-lived keys in the "file" keystore\. \(VSW_KEYS_NOT_FOUND\)/,
      );
    } finally {
      home.writeConfig(
        `${world.config}\n[profile ci]\nregion = eu-west-1\nendpoint_url = ${world.emu.url}\n`,
      );
    }
  });

  test("a profile whose credentials come from a credential_process has no key to rotate", async () => {
    home.writeConfig(
      `${world.config}\n[profile ci]\nregion = eu-west-1\nendpoint_url = ${world.emu.url}\n[profile tool]\ncredential_process = /bin/false\n`,
    );
    try {
      const r = await runVsw(["rotate", "tool"], { env });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /Profile "tool" does not use stored long-lived keys, so it has no key to rotate\. \(VSW_NOT_SUPPORTED\)/,
      );
    } finally {
      home.writeConfig(
        `${world.config}\n[profile ci]\nregion = eu-west-1\nendpoint_url = ${world.emu.url}\n`,
      );
    }
  });

  test("has a help page and completes the profiles with stored keys", async () => {
    const help = await runVsw(["rotate", "--help"], { env });
    assert.equal(help.code, 0);
    assert.match(help.stdout, /vsw rotate <profile>/);
    assert.match(help.stdout, /AWS_ENDPOINT_URL_IAM/);
    const r = await runVsw(["__complete", "--", "rotate", ""], { env });
    const names = r.stdout
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t")[0]);
    assert.ok(names.includes("ci") && names.includes("base"));
    assert.ok(!names.includes("dev"), "only profiles with stored keys");
  });
});
