/**
 * Web identity end to end: the built `vsw` calls AssumeRoleWithWebIdentity (unsigned) on the in-repo
 * emulator, which checks the token file's JWT against the role's trust; roles chained on top, the
 * environment form, caching and the errors a user meets.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { webIdentityToken } from "../src/sandbox/web-identity.js";
import { type Home, makeHome, runVsw, startWorld, type World } from "./helpers/harness.js";

const ISSUER = "https://token.actions.example";
const AUDIENCE = "sts.amazonaws.com";
const SUBJECT = "repo:acme/app:ref:refs/heads/main";
const CI_ROLE = "arn:aws:iam::444444444444:role/ci";
const DEPLOY_ROLE = "arn:aws:iam::555555555555:role/deploy";

function token(claims: Partial<{ subject: string; expiresAt: number; audience: string }> = {}) {
  return webIdentityToken({ issuer: ISSUER, audience: AUDIENCE, subject: SUBJECT, ...claims });
}

/** A world with the web identity role `ci` and a role `deploy` that trusts it; a HOME with no keys at all. */
async function setup(): Promise<{ world: World; home: Home; tokenFile: string; config: string }> {
  const world = await startWorld();
  world.emu.createRole({
    account: "444444444444",
    name: "ci",
    trust: { principals: [], webIdentity: { issuer: ISSUER, audience: AUDIENCE, subjects: [SUBJECT] } },
    maxSessionDuration: 43200,
  });
  world.emu.createRole({ account: "555555555555", name: "deploy", trust: { principals: [CI_ROLE] } });
  const home = makeHome();
  const tokenFile = join(home.dir, "token");
  writeFileSync(tokenFile, `${token()}\n`);
  const config = `[profile ci]
role_arn = ${CI_ROLE}
web_identity_token_file = ${tokenFile}
region = eu-west-1
endpoint_url = ${world.emu.url}

[profile deploy]
source_profile = ci
role_arn = ${DEPLOY_ROLE}
endpoint_url = ${world.emu.url}

[profile pod]
region = eu-west-1
endpoint_url = ${world.emu.url}
`;
  home.writeConfig(config);
  return { world, home, tokenFile, config };
}

function calls(world: World): Array<[string | undefined, number, string | undefined]> {
  return world.emu.calls.map((c) => [c.action, c.status, c.errorCode]);
}

function exported(stdout: string): { AccessKeyId: string; Expiration: string } {
  return JSON.parse(stdout) as { AccessKeyId: string; Expiration: string };
}

/** Every file under `dir`, recursively, as text. */
function allText(dir: string): string {
  let out = "";
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    out += statSync(path).isDirectory() ? allText(path) : readFileSync(path, "latin1");
  }
  return out;
}

describe("a web identity profile", () => {
  let world: World;
  let home: Home;
  let tokenFile: string;
  before(async () => ({ world, home, tokenFile } = await setup()));
  after(async () => {
    await world.emu.close();
    home.cleanup();
  });

  test("vsw plan shows the AssumeRoleWithWebIdentity step and calls nothing", async () => {
    const r = await runVsw(["plan", "ci"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /1\. step +ci +AssumeRoleWithWebIdentity arn:aws:iam::444444444444:role\/ci {2}token file .*\/token {2}1h/,
    );
    const json = await runVsw(["plan", "ci", "--json"], { env: home.env });
    const [step] = (JSON.parse(json.stdout) as { steps: Array<Record<string, unknown>> }).steps;
    assert.equal(step?.type, "web-identity:assume");
    assert.equal(step?.roleSessionName, null);
    assert.equal(world.emu.calls.length, 0);
  });

  test("vsw export assumes the role with the token file, unsigned, in one call", async () => {
    world.emu.resetCalls();
    const r = await runVsw(["export", "ci"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(calls(world), [["AssumeRoleWithWebIdentity", 200, undefined]]);
    assert.equal(world.emu.calls[0]?.accessKeyId, undefined, "no SigV4 signature");
    // The emulator's call log keeps the call's parameters, never the token (as for an MFA code).
    assert.deepEqual(Object.keys(world.emu.calls[0]?.params ?? {}).sort(), [
      "DurationSeconds",
      "RoleArn",
      "RoleSessionName",
    ]);
    const session = world.emu.session(exported(r.stdout).AccessKeyId);
    // The AWS CLI's default session name when the profile sets none.
    assert.match(session?.arn ?? "", /^arn:aws:sts::444444444444:assumed-role\/ci\/botocore-session-\d{10}$/);
  });

  test("a second run hands out the cached session without any call", async () => {
    world.emu.resetCalls();
    const r = await runVsw(["export", "ci"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(world.emu.calls.length, 0);
    assert.match(exported(r.stdout).AccessKeyId, /^ASIA/);
  });

  test("the token appears in no output and in no file vsw wrote", async () => {
    const secret = readFileSync(tokenFile, "utf8").trim();
    const r = await runVsw(["export", "ci", "--format", "env", "--shell", "bash", "--debug"], {
      env: home.env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret));
    writeFileSync(tokenFile, "x");
    try {
      assert.ok(!allText(home.dir).includes(secret), "the token is in a file under HOME");
    } finally {
      writeFileSync(tokenFile, `${secret}\n`);
    }
  });

  test("vsw exec runs a command as the web identity role", async () => {
    const r = await runVsw(
      ["exec", "ci", "--", process.execPath, "-e", "process.stdout.write(process.env.AWS_ACCESS_KEY_ID)"],
      { env: home.env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(world.emu.session(r.stdout)?.arn.split("/")[1], "ci");
  });

  test("a role chained on top is assumed from the web identity session, capped at one hour", async () => {
    world.emu.resetCalls();
    const plan = await runVsw(["plan", "deploy", "--json"], { env: home.env });
    const steps = (JSON.parse(plan.stdout) as { steps: Array<Record<string, unknown>> }).steps;
    assert.deepEqual(
      steps.map((s) => [s.type, s.durationSeconds, s.chained]),
      [
        ["web-identity:assume", 3600, undefined],
        ["AssumeRole", 3600, true],
      ],
    );
    const r = await runVsw(["export", "deploy"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    // The web identity session is still cached: only the AssumeRole is called.
    assert.deepEqual(calls(world), [["AssumeRole", 200, undefined]]);
    assert.match(world.emu.calls[0]?.callerArn ?? "", /assumed-role\/ci\/botocore-session-/);
    assert.equal(
      world.emu.session(exported(r.stdout).AccessKeyId)?.arn,
      "arn:aws:sts::555555555555:assumed-role/deploy/vsw-tester",
    );
  });

  test("the token file is read again for each new session (it rotates)", async () => {
    const good = readFileSync(tokenFile, "utf8");
    // An expired token in the file: a fresh mint (--duration longer than the cached hour) reads it.
    writeFileSync(tokenFile, token({ expiresAt: Math.floor(Date.now() / 1000) - 60 }));
    try {
      const r = await runVsw(["export", "ci", "--duration", "2h"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /web identity token in ".*token" of profile "ci" has expired\. \(VSW_WEB_IDENTITY_REJECTED\)/,
      );
    } finally {
      writeFileSync(tokenFile, good);
    }
  });
});

describe("the environment form", () => {
  let world: World;
  let home: Home;
  let tokenFile: string;
  before(async () => ({ world, home, tokenFile } = await setup()));
  after(async () => {
    await world.emu.close();
    home.cleanup();
  });

  test("AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN make a profile without a source a web identity one", async () => {
    const env = {
      ...home.env,
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: CI_ROLE,
      AWS_ROLE_SESSION_NAME: "pod-session",
    };
    const plan = await runVsw(["plan", "pod"], { env });
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /AssumeRoleWithWebIdentity arn:aws:iam::444444444444:role\/ci/);
    const r = await runVsw(["export", "pod"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      world.emu.session(exported(r.stdout).AccessKeyId)?.arn,
      "arn:aws:sts::444444444444:assumed-role/ci/pod-session",
    );
  });

  test("without them the same profile is not a source at all", async () => {
    const r = await runVsw(["export", "pod"], { env: home.env });
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /web identity/i);
  });
});

describe("web identity errors", () => {
  let world: World;
  let home: Home;
  let config: string;
  before(async () => ({ world, home, config } = await setup()));
  after(async () => {
    await world.emu.close();
    home.cleanup();
  });

  /** Runs `vsw export p` for a profile `p` whose token file holds `content` (or is missing). */
  async function exportWith(content: string | undefined, profileExtra = "") {
    const file = join(home.dir, `token-${Math.random().toString(36).slice(2)}`);
    if (content !== undefined) writeFileSync(file, content);
    home.writeConfig(
      `${config}\n[profile p]\nrole_arn = ${CI_ROLE}\nweb_identity_token_file = ${file}\nendpoint_url = ${world.emu.url}\n${profileExtra}`,
    );
    world.emu.resetCalls();
    return { ...(await runVsw(["export", "p"], { env: home.env })), file };
  }

  test("a missing token file is named, with no STS call", async () => {
    const r = await exportWith(undefined);
    assert.equal(r.code, 1);
    assert.ok(
      r.stderr.includes(`The web identity token file "${r.file}" of profile "p" does not exist.`),
      r.stderr,
    );
    assert.match(r.stderr, /\(VSW_WEB_IDENTITY_TOKEN\)/);
    assert.equal(world.emu.calls.length, 0);
  });

  test("an empty token file says so", async () => {
    const r = await exportWith("\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /of profile "p" is empty\. \(VSW_WEB_IDENTITY_TOKEN\)/);
    assert.equal(world.emu.calls.length, 0);
  });

  test("a token the identity provider did not sign is InvalidIdentityToken", async () => {
    const forged = `${token().split(".").slice(0, 2).join(".")}.AAAA`;
    const r = await exportWith(forged);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /AWS rejected the web identity token of profile "p" .* \(VSW_WEB_IDENTITY_REJECTED\)/,
    );
    assert.match(r.stderr, /OIDC provider/);
    assert.deepEqual(calls(world), [["AssumeRoleWithWebIdentity", 400, "InvalidIdentityToken"]]);
    assert.ok(!r.stderr.includes(forged));
  });

  test("a token whose subject the trust policy does not allow is access denied", async () => {
    const r = await exportWith(token({ subject: "repo:evil/fork:ref:refs/heads/main" }));
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /AWS denied AssumeRoleWithWebIdentity on arn:aws:iam::444444444444:role\/ci for profile "p"/,
    );
    assert.match(r.stderr, /\(VSW_STS_ACCESS_DENIED\)/);
  });

  test("an expired token says it expired", async () => {
    const r = await exportWith(token({ expiresAt: Math.floor(Date.now() / 1000) - 1 }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has expired\. \(VSW_WEB_IDENTITY_REJECTED\)/);
    assert.deepEqual(calls(world), [["AssumeRoleWithWebIdentity", 400, "ExpiredTokenException"]]);
  });

  test("a malformed role_session_name is refused before any call", async () => {
    const r = await exportWith(token(), "role_session_name = no spaces allowed\n");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /VSW_CONFIG_INVALID/);
    assert.equal(world.emu.calls.length, 0);
  });
});

describe("where the web identity call goes", () => {
  let world: World;
  let home: Home;
  let tokenFile: string;
  let config: string;
  before(async () => ({ world, home, tokenFile, config } = await setup()));
  after(async () => {
    await world.emu.close();
    home.cleanup();
  });

  test("AWS_ENDPOINT_URL_STS, and else a chained target's endpoint_url, as for vsw's STS steps", async () => {
    home.writeConfig(
      `${config}\n[profile bare]\nrole_arn = ${CI_ROLE}\nweb_identity_token_file = ${tokenFile}\n\n[profile on-bare]\nsource_profile = bare\nrole_arn = ${DEPLOY_ROLE}\nendpoint_url = ${world.emu.url}\n`,
    );
    const direct = await runVsw(["export", "bare"], {
      env: { ...home.env, AWS_ENDPOINT_URL_STS: world.emu.url },
    });
    assert.equal(direct.code, 0, direct.stderr);
    await runVsw(["clear"], { env: home.env });
    world.emu.resetCalls();
    const chained = await runVsw(["export", "on-bare"], { env: home.env });
    assert.equal(chained.code, 0, chained.stderr);
    assert.deepEqual(calls(world), [
      ["AssumeRoleWithWebIdentity", 200, undefined],
      ["AssumeRole", 200, undefined],
    ]);
  });
});
