/**
 * `credential_source` end to end: the built `vsw` takes a machine's own credentials from the
 * emulator's IMDSv2 and container-credentials stand-ins, or from its environment, and assumes the
 * profile's role with them; caching and the errors of a machine without such credentials.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Home, makeHome, runVsw, startWorld, type World } from "./helpers/harness.js";

const ADMIN_ROLE = "arn:aws:iam::777777777777:role/admin";
const MACHINE_ROLE = "arn:aws:iam::666666666666:role/machine";
const CONTAINER_TOKEN = "container-authorization-token-value";

interface Setup {
  world: World;
  home: Home;
  imds: string;
  ecs: string;
  /** Adds a profile like the others with this credential_source and returns its name: nothing cached. */
  fresh(source: string): string;
}

/**
 * A world where role `machine` is the instance profile (ec2) and the task role (ecs, behind an
 * authorization token), and role `admin` trusts it and the account of the IAM user `me`.
 */
async function setup(): Promise<Setup> {
  const world = await startWorld();
  world.emu.createRole({
    account: "666666666666",
    name: "machine",
    trust: { principals: ["ec2.amazonaws.com", "ecs-tasks.amazonaws.com"], containerToken: CONTAINER_TOKEN },
  });
  world.emu.createRole({
    account: "777777777777",
    name: "admin",
    trust: { principals: [MACHINE_ROLE, "111111111111"] },
    maxSessionDuration: 43200,
  });
  const home = makeHome();
  const tokenFile = join(home.dir, "container-token");
  writeFileSync(tokenFile, `${CONTAINER_TOKEN}\n`);
  const imds = `${world.emu.url}/imds/666666666666/machine`;
  const ecs = `${world.emu.url}/ecs/666666666666/machine`;
  Object.assign(home.env, {
    AWS_EC2_METADATA_SERVICE_ENDPOINT: imds,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: ecs,
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
  });
  const profile = (name: string, source: string) =>
    `[profile ${name}]\nrole_arn = ${ADMIN_ROLE}\ncredential_source = ${source}\nendpoint_url = ${world.emu.url}\n\n`;
  let config =
    profile("on-ec2", "Ec2InstanceMetadata") +
    profile("in-ecs", "EcsContainer") +
    profile("from-env", "Environment") +
    profile("typo", "Ec2InstanceMetaData");
  home.writeConfig(config);
  let count = 0;
  const fresh = (source: string) => {
    const name = `fresh-${++count}`;
    config += profile(name, source);
    home.writeConfig(config);
    return name;
  };
  return { world, home, imds, ecs, fresh };
}

function actions(world: World): Array<[string | undefined, number]> {
  return world.emu.calls.map((c) => [c.action, c.status]);
}

function keyOf(stdout: string): string {
  return (JSON.parse(stdout) as { AccessKeyId: string }).AccessKeyId;
}

describe("credential_source = Ec2InstanceMetadata", () => {
  let s: Setup;
  before(async () => {
    s = await setup();
  });
  after(async () => {
    await s.world.emu.close();
    s.home.cleanup();
  });

  test("vsw plan shows the instance metadata source and a chained AssumeRole", async () => {
    const r = await runVsw(["plan", "on-ec2"], { env: s.home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /1\. step +on-ec2 +credential_source Ec2InstanceMetadata: the instance metadata service \(IMDSv2\)/,
    );
    assert.match(
      r.stdout,
      /2\. role +on-ec2 +AssumeRole arn:aws:iam::777777777777:role\/admin +1h \(chained, ≤ 1 h\)/,
    );
    assert.equal(s.world.emu.calls.length, 0);
  });

  test("the role is assumed with the instance role's credentials, fetched with IMDSv2", async () => {
    s.world.emu.resetCalls();
    const r = await runVsw(["export", "on-ec2"], { env: s.home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(actions(s.world), [
      ["IMDS:GetToken", 200],
      ["IMDS:ListRoles", 200],
      ["IMDS:GetCredentials", 200],
      ["AssumeRole", 200],
    ]);
    assert.equal(
      s.world.emu.calls[3]?.callerArn,
      "arn:aws:sts::666666666666:assumed-role/machine/i-0123456789abcdef0",
    );
    assert.equal(
      s.world.emu.session(keyOf(r.stdout))?.arn,
      "arn:aws:sts::777777777777:assumed-role/admin/vsw-tester",
    );
  });

  test("a second run calls neither the metadata service nor STS", async () => {
    s.world.emu.resetCalls();
    const r = await runVsw(["export", "on-ec2"], { env: s.home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(actions(s.world), []);
  });

  test("an instance without a role says so", async () => {
    const env = {
      ...s.home.env,
      AWS_EC2_METADATA_SERVICE_ENDPOINT: `${s.world.emu.url}/imds/666666666666/none`,
    };
    const r = await runVsw(["export", s.fresh("Ec2InstanceMetadata")], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /says this instance has no IAM role\. \(VSW_CREDENTIAL_SOURCE_FAILED\)/);
  });

  test("AWS_EC2_METADATA_DISABLED=true refuses without a request", async () => {
    s.world.emu.resetCalls();
    const env = { ...s.home.env, AWS_EC2_METADATA_DISABLED: "true" };
    const r = await runVsw(["export", s.fresh("Ec2InstanceMetadata")], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is disabled by AWS_EC2_METADATA_DISABLED\. \(VSW_CREDENTIAL_SOURCE_FAILED\)/);
    assert.deepEqual(actions(s.world), []);
  });

  test("no metadata service at all is one clear error", async () => {
    const env = { ...s.home.env, AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:9" };
    const r = await runVsw(["export", s.fresh("Ec2InstanceMetadata")], { env });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /The instance metadata service for profile "fresh-\d+" \(credential_source Ec2InstanceMetadata\) at http:\/\/127\.0\.0\.1:9 did not give a session token \(ECONNREFUSED\)\. \(VSW_CREDENTIAL_SOURCE_FAILED\)/,
    );
    assert.match(r.stderr, /works on an EC2 instance/);
  });

  test("a metadata service that never answers fails within about a second", async () => {
    const silent: Server = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    try {
      const env = { ...s.home.env, AWS_EC2_METADATA_SERVICE_ENDPOINT: `http://127.0.0.1:${port}` };
      const started = Date.now();
      const r = await runVsw(["export", s.fresh("Ec2InstanceMetadata")], { env });
      const elapsed = Date.now() - started;
      assert.equal(r.code, 1);
      assert.match(r.stderr, /did not give a session token \(no answer in time\)/);
      assert.ok(elapsed < 4000, `took ${elapsed} ms`);
    } finally {
      silent.close();
    }
  });
});

describe("credential_source = EcsContainer", () => {
  let s: Setup;
  before(async () => {
    s = await setup();
  });
  after(async () => {
    await s.world.emu.close();
    s.home.cleanup();
  });

  test("the role is assumed with the task role's credentials, sent the token from the token file", async () => {
    s.world.emu.resetCalls();
    const r = await runVsw(["export", "in-ecs"], { env: s.home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(actions(s.world), [
      ["ECS:GetCredentials", 200],
      ["AssumeRole", 200],
    ]);
    assert.equal(s.world.emu.calls[1]?.callerArn, "arn:aws:sts::666666666666:assumed-role/machine/ecs-task");
    assert.equal(s.world.emu.session(keyOf(r.stdout))?.arn.split("/")[1], "admin");
    s.world.emu.resetCalls();
    const again = await runVsw(["export", "in-ecs"], { env: s.home.env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(actions(s.world), []);
  });

  test("AWS_CONTAINER_AUTHORIZATION_TOKEN works too, and a wrong token is refused with a hint", async () => {
    const base = { ...s.home.env, AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: undefined };
    const ok = await runVsw(["export", s.fresh("EcsContainer")], {
      env: { ...base, AWS_CONTAINER_AUTHORIZATION_TOKEN: CONTAINER_TOKEN },
    });
    assert.equal(ok.code, 0, ok.stderr);
    const bad = await runVsw(["export", s.fresh("EcsContainer")], {
      env: { ...base, AWS_CONTAINER_AUTHORIZATION_TOKEN: "wrong" },
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /did not give credentials \(HTTP 401\)\. \(VSW_CREDENTIAL_SOURCE_FAILED\)/);
    assert.match(bad.stderr, /authorization token was refused/);
  });

  test("outside a container it says which variables are missing", async () => {
    const env = { ...s.home.env, AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined };
    const r = await runVsw(["export", s.fresh("EcsContainer")], { env });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is\. \(VSW_CREDENTIAL_SOURCE_FAILED\)/,
    );
  });

  test("a plain-http full URI to another host is refused before any request", async () => {
    const env = { ...s.home.env, AWS_CONTAINER_CREDENTIALS_FULL_URI: "http://198.51.100.7/creds" };
    const r = await runVsw(["export", s.fresh("EcsContainer")], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"http:\/\/198\.51\.100\.7" is neither https nor a loopback or container address/);
  });

  test("the authorization token never shows in an error", async () => {
    const env = {
      ...s.home.env,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${s.world.emu.url}/ecs/666666666666/none`,
    };
    const r = await runVsw(["export", s.fresh("EcsContainer"), "--debug"], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /HTTP 404/);
    assert.ok(!r.stderr.includes(CONTAINER_TOKEN));
  });
});

describe("credential_source = Environment", () => {
  let s: Setup;
  before(async () => {
    s = await setup();
  });
  after(async () => {
    await s.world.emu.close();
    s.home.cleanup();
  });

  test("the role is assumed with the environment's keys, not chained (longer than an hour)", async () => {
    s.world.emu.resetCalls();
    const env = {
      ...s.home.env,
      AWS_ACCESS_KEY_ID: s.world.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.world.secretAccessKey,
    };
    const plan = await runVsw(["plan", "from-env", "--duration", "2h"], { env });
    assert.match(plan.stdout, /credential_source Environment: the AWS_ACCESS_KEY_ID of vsw's environment/);
    assert.doesNotMatch(plan.stdout, /chained/);
    const r = await runVsw(["export", "from-env", "--duration", "2h"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(actions(s.world), [["AssumeRole", 200]]);
    assert.equal(s.world.emu.calls[0]?.callerArn, "arn:aws:iam::111111111111:user/me");
    assert.equal(s.world.emu.calls[0]?.params.DurationSeconds, "7200");
    s.world.emu.resetCalls();
    const again = await runVsw(["export", "from-env", "--duration", "2h"], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(actions(s.world), [], "the role session is cached");
  });

  test("a role assumed with the environment's user keys can ask for MFA", async () => {
    s.world.emu.resetCalls();
    const env = {
      ...s.home.env,
      AWS_ACCESS_KEY_ID: s.world.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.world.secretAccessKey,
    };
    const name = s.fresh("Environment");
    const r = await runVsw(
      ["export", name, "--mfa-serial", "arn:aws:iam::111111111111:mfa/me", "--mfa-token", s.world.code()],
      { env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(actions(s.world), [["AssumeRole", 200]]);
    assert.equal(s.world.emu.calls[0]?.tokenCode, true);
    assert.equal(s.world.emu.session(keyOf(r.stdout))?.mfaAuthenticated, true);
  });

  test("missing keys are named", async () => {
    const env = { ...s.home.env, AWS_ACCESS_KEY_ID: s.world.accessKeyId };
    const r = await runVsw(["export", s.fresh("Environment")], { env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /but AWS_SECRET_ACCESS_KEY is not set\. \(VSW_CREDENTIAL_SOURCE_FAILED\)/);
  });

  test("inside a shell vsw switched, its own session is not taken for the machine's keys", async () => {
    const env = {
      ...s.home.env,
      AWS_ACCESS_KEY_ID: s.world.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s.world.secretAccessKey,
      VSW_PROFILE: "dev",
    };
    s.world.emu.resetCalls();
    const r = await runVsw(["export", s.fresh("Environment")], { env });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /the AWS_ACCESS_KEY_ID here is vsw's own session of profile "dev"\. \(VSW_CREDENTIAL_SOURCE_FAILED\)/,
    );
    assert.deepEqual(actions(s.world), []);
  });

  test("an unknown credential_source value is a config error naming the line", async () => {
    const r = await runVsw(["plan", "typo"], { env: s.home.env });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Profile "typo" sets credential_source "Ec2InstanceMetaData" \(.*config, line \d+\), which is none of Environment, EcsContainer or Ec2InstanceMetadata\. \(VSW_CONFIG_INVALID\)/,
    );
  });
});
