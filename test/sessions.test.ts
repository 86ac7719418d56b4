/**
 * Sessions end to end: the built `vsw` and the real AWS SDK against the in-repo STS emulator,
 * which verifies SigV4 signatures and single-use MFA codes as AWS does.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  addBaseKeys,
  type Home,
  MFA_SECRET,
  MFA_SERIAL,
  makeHome,
  ROOT,
  requireTool,
  run,
  runVsw,
  startWorld,
  VSW,
  type World,
} from "./helpers/harness.js";

const MFA_PROCESS = `node --import tsx ${join(ROOT, "examples", "totp-mfa.mjs")}`;

/** A home whose `base` answers MFA through mfa_process, counting each ask in a log. */
async function setup(
  extraConfig = "",
): Promise<{ world: World; home: Home; mfaLog: string; asked(): number }> {
  const world = await startWorld();
  const home = makeHome({ VSW_DEMO_TOTP_SECRET: MFA_SECRET });
  const mfaLog = join(home.dir, "mfa.log");
  home.env.VSW_DEMO_MFA_LOG = mfaLog;
  home.writeConfig(
    world.config.replace("[profile base]\n", `[profile base]\nmfa_process = ${MFA_PROCESS}\n`) + extraConfig,
  );
  await addBaseKeys(home, world);
  const asked = () =>
    existsSync(mfaLog) ? readFileSync(mfaLog, "utf8").split("\n").filter(Boolean).length : 0;
  return { world, home, mfaLog, asked };
}

function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export (\w+)='([^']*)'$/gm)) out[m[1] as string] = m[2] as string;
  return out;
}

/** Runs `fn` with a fresh emulator world and a HOME holding its config and base's keys; cleans both up. */
async function inWorld(fn: (world: World, home: Home) => Promise<void>): Promise<void> {
  const world = await startWorld();
  const home = makeHome();
  try {
    home.writeConfig(world.config);
    await addBaseKeys(home, world);
    await fn(world, home);
  } finally {
    await world.emu.close();
    home.cleanup();
  }
}

function successes(world: World, action: string): number {
  return world.emu.calls.filter((c) => c.action === action && c.status === 200).length;
}

describe("minting sessions", () => {
  let world: World;
  let home: Home;
  let asked: () => number;
  before(async () => ({ world, home, asked } = await setup()));
  after(async () => {
    await world.emu.close();
    home.cleanup();
  });

  test("MFA is asked once for two roles that share a source session", async () => {
    const dev = await runVsw(["env", "dev", "--shell", "bash"], { env: home.env });
    assert.equal(dev.code, 0, dev.stderr);
    const prod = await runVsw(["env", "prod", "--shell", "bash"], { env: home.env });
    assert.equal(prod.code, 0, prod.stderr);
    assert.equal(asked(), 1);
    assert.equal(successes(world, "GetSessionToken"), 1);
    assert.equal(successes(world, "AssumeRole"), 2);
    assert.equal(parseEnv(prod.stdout).VSW_ACCOUNT_ID, "333333333333");
    assert.equal(parseEnv(dev.stdout).VSW_ACCOUNT_ID, "222222222222");
  });

  test("mfa_process does not get the keystore passphrase", async () => {
    const seen = join(home.dir, "mfa-env");
    home.writeConfig(
      world.config.replace(
        "[profile base]\n",
        `[profile base]\nmfa_process = printenv VSW_FILE_PASSPHRASE > ${seen}; ${MFA_PROCESS}\n`,
      ),
    );
    try {
      // The base session from the first test is cached: drop it so MFA is asked.
      assert.equal((await runVsw(["clear", "base"], { env: home.env })).code, 0);
      assert.equal((await runVsw(["env", "base"], { env: home.env })).code, 0);
      assert.equal(readFileSync(seen, "utf8"), "");
    } finally {
      home.writeConfig(
        world.config.replace("[profile base]\n", `[profile base]\nmfa_process = ${MFA_PROCESS}\n`),
      );
    }
  });

  test("a cached session makes no STS call", async () => {
    world.emu.resetCalls();
    const again = await runVsw(["export", "dev", "--format", "json"], { env: home.env });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(world.emu.calls.length, 0);
    const doc = JSON.parse(again.stdout) as Record<string, unknown>;
    assert.equal(doc.Version, 1);
    assert.match(String(doc.AccessKeyId), /^ASIA/);
    assert.match(String(doc.Expiration), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test("the chained role session asks STS for at most one hour", async () => {
    const plan = await runVsw(["plan", "prod", "--json"], { env: home.env });
    const steps = (JSON.parse(plan.stdout) as { steps: Array<{ type: string; durationSeconds?: number }> })
      .steps;
    assert.deepEqual(
      steps.map((s) => [s.type, s.durationSeconds]),
      [
        ["keys", undefined],
        ["GetSessionToken", 28800],
        ["AssumeRole", 3600],
      ],
    );
  });

  test("a role asked for more than an hour is assumed directly from the keys with MFA", async () => {
    world.emu.resetCalls();
    const long = await runVsw(["env", "prod", "--shell", "bash", "--duration", "2h"], { env: home.env });
    assert.equal(long.code, 0, long.stderr);
    const assume = world.emu.calls.find((c) => c.action === "AssumeRole");
    assert.ok(assume);
    assert.equal(assume.params.DurationSeconds, "7200");
    assert.equal(assume.tokenCode, true);
    assert.match(assume.callerArn ?? "", /:user\/me$/);
    assert.equal(successes(world, "GetSessionToken"), 0);
  });

  test("credentials from vsw env are accepted by the AWS SDK against STS", async () => {
    const script = `eval "$(node ${VSW} env dev --shell bash)" && node --input-type=module -e '
      const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
      const out = await new STSClient({ region: "us-east-1", endpoint: process.env.EMU }).send(new GetCallerIdentityCommand({}));
      console.log(out.Arn);'`;
    const r = await run("bash", ["-c", script], { env: { ...home.env, EMU: world.emu.url }, cwd: ROOT });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^arn:aws:sts::222222222222:assumed-role\/dev\/vsw-tester$/);
  });
});

describe("concurrency and the cache", () => {
  test("concurrent runs that need the same session share one MFA code", async () => {
    const { world, home, asked } = await setup();
    try {
      const runs = await Promise.all([
        runVsw(["env", "dev"], { env: home.env }),
        runVsw(["env", "dev"], { env: home.env }),
        runVsw(["env", "prod"], { env: home.env }),
      ]);
      for (const r of runs) assert.equal(r.code, 0, r.stderr);
      assert.equal(asked(), 1);
      assert.equal(successes(world, "GetSessionToken"), 1);
    } finally {
      await world.emu.close();
      home.cleanup();
    }
  });

  test("vsw clear drops the cached sessions of one profile, then of all", async () => {
    const { world, home } = await setup();
    try {
      assert.equal((await runVsw(["env", "dev"], { env: home.env })).code, 0);
      assert.equal((await runVsw(["env", "prod"], { env: home.env })).code, 0);
      const one = await runVsw(["clear", "dev"], { env: home.env });
      assert.equal(one.stdout, "Cleared 1 cached session.\n");
      world.emu.resetCalls();
      assert.equal((await runVsw(["env", "dev"], { env: home.env })).code, 0);
      assert.deepEqual(
        world.emu.calls.map((c) => c.action),
        ["AssumeRole"],
      );
      const all = await runVsw(["clear"], { env: home.env });
      assert.equal(all.stdout, "Cleared 3 cached sessions.\n");
    } finally {
      await world.emu.close();
      home.cleanup();
    }
  });

  test("AccessDenied on AssumeRole names the role and the caller", async () => {
    await inWorld(async (world, home) => {
      world.emu.createRole({
        account: "555555555555",
        name: "locked",
        trust: { principals: ["999999999999"] },
      });
      home.writeConfig(
        `${world.config}\n[profile locked]\nsource_profile = base\nrole_arn = arn:aws:iam::555555555555:role/locked\nendpoint_url = ${world.emu.url}\n`,
      );
      const r = await runVsw(["env", "locked"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /AssumeRole on arn:aws:iam::555555555555:role\/locked/);
      assert.match(r.stderr, /arn:aws:iam::111111111111:user\/me/);
      assert.match(r.stderr, /\(VSW_STS_ACCESS_DENIED\)/);
    });
  });
});

describe("what is forwarded to STS", () => {
  test("ExternalId, SourceIdentity and session tags reach AssumeRole", async () => {
    await inWorld(async (world, home) => {
      world.emu.createRole({
        account: "444444444444",
        name: "partner",
        trust: { principals: ["111111111111"], externalId: "ext-1234" },
      });
      home.writeConfig(
        `${world.config}
[profile partner]
source_profile = base
role_arn = arn:aws:iam::444444444444:role/partner
external_id = ext-1234
source_identity = alice
session_tags = team=core,env=test
transitive_session_tags = team
endpoint_url = ${world.emu.url}
`,
      );
      const r = await runVsw(["env", "partner", "--shell", "bash"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      const call = world.emu.calls.find((c) => c.action === "AssumeRole" && c.status === 200);
      assert.ok(call);
      assert.equal(call.params.ExternalId, "ext-1234");
      assert.equal(call.params.SourceIdentity, "alice");
      assert.equal(call.params["Tags.member.1.Key"], "team");
      assert.equal(call.params["Tags.member.2.Value"], "test");
      assert.equal(call.params["TransitiveTagKeys.member.1"], "team");
      assert.equal(call.tokenCode, false);
    });
  });
});

describe("failures", () => {
  test("a wrong MFA code says why, exits 1 and caches nothing", async () => {
    await inWorld(async (_world, home) => {
      const r = await runVsw(["env", "dev", "--mfa-token", "000000"], { env: home.env });
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, /wrong, or already used — AWS accepts each code once.*\(VSW_MFA_FAILED\)/);
      assert.match(r.stderr, /^hint: /m);
      const list = JSON.parse((await runVsw(["list", "--json"], { env: home.env })).stdout) as {
        profiles: Array<{ sessions: unknown[] }>;
      };
      assert.deepEqual(
        list.profiles.flatMap((p) => p.sessions),
        [],
      );
    });
  });

  test("a code that is not six digits is refused before any STS call", async () => {
    await inWorld(async (world, home) => {
      const r = await runVsw(["env", "dev", "--mfa-token", "12345"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(VSW_MFA_INVALID_CODE\)/);
      assert.equal(world.emu.calls.length, 0);
    });
  });

  test("without a terminal or another MFA source the error names the ways to give a code", async () => {
    await inWorld(async (_world, home) => {
      const r = await runVsw(["env", "dev"], { env: home.env, detached: true });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(VSW_MFA_REQUIRED\)/);
      assert.match(r.stderr, /--mfa-token/);
      assert.match(r.stderr, /mfa_process/);
    });
  });

  test("an unreachable STS endpoint is explained", async () => {
    const home = makeHome();
    try {
      home.writeConfig("[profile solo]\nendpoint_url = http://127.0.0.1:9\n");
      const add = await runVsw(["add", "solo", "--env"], {
        env: {
          ...home.env,
          AWS_ACCESS_KEY_ID: "AKIAAAAAAAAAAAAAAAAA",
          AWS_SECRET_ACCESS_KEY: "a".repeat(40),
        },
      });
      assert.equal(add.code, 0, add.stderr);
      const r = await runVsw(["env", "solo"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /could not be reached.*\(VSW_STS_UNREACHABLE\)/);
    } finally {
      home.cleanup();
    }
  });

  test("throttling is retried with backoff until STS answers", async () => {
    await inWorld(async (world, home) => {
      world.emu.injectFault({ action: "GetSessionToken", kind: "throttle", times: 2 });
      const r = await runVsw(["env", "base", "--mfa-token", world.code()], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(world.emu.calls.filter((c) => c.action === "GetSessionToken").length, 3);
    });
  });
});

describe("expiry", () => {
  test("a session with less than five minutes left is minted anew", async () => {
    const { world, home, asked } = await setup();
    try {
      // Issue the sessions 56 minutes in the past: the role session has 4 minutes left.
      world.emu.clock.advance(-56 * 60);
      assert.equal((await runVsw(["env", "dev"], { env: home.env })).code, 0);
      world.emu.clock.advance(56 * 60);
      world.emu.resetCalls();
      const r = await runVsw(["env", "dev"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(successes(world, "AssumeRole"), 1);
      assert.equal(successes(world, "GetSessionToken"), 0, "the 8 h source session is still good");
      assert.equal(asked(), 1);
    } finally {
      await world.emu.close();
      home.cleanup();
    }
  });

  test("a cached source session that STS calls expired is dropped and minted anew once", async () => {
    const { world, home, asked } = await setup();
    try {
      assert.equal((await runVsw(["env", "dev"], { env: home.env })).code, 0);
      // STS's clock runs 9 hours ahead: the cached 8 h GetSessionToken session is expired there.
      world.emu.clock.advance(9 * 3600);
      world.emu.resetCalls();
      const r = await runVsw(["env", "prod"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /minting a new one/);
      assert.deepEqual(
        world.emu.calls.map((c) => `${c.action} ${c.errorCode ?? c.status}`),
        ["AssumeRole ExpiredToken", "GetSessionToken 200", "AssumeRole 200"],
      );
      assert.equal(asked(), 2);
    } finally {
      await world.emu.close();
      home.cleanup();
    }
  });
});

/** Runs `fn` in a fresh `setup()` world (MFA counted through mfa_process); cleans up. */
async function inCountedWorld(
  fn: (world: World, home: Home, asked: () => number) => Promise<void>,
): Promise<void> {
  const { world, home, asked } = await setup();
  try {
    await fn(world, home, asked);
  } finally {
    await world.emu.close();
    home.cleanup();
  }
}

/** Runs `vsw export PROFILE ...` and returns its credential_process document; fails the test on error. */
async function exportDoc(
  home: Home,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Record<string, string>> {
  const r = await runVsw(["export", ...args], { env: { ...home.env, ...env } });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, string>;
}

/** Seconds from now until an RFC 3339 expiry. */
function secondsLeft(expiration: string): number {
  return (Date.parse(expiration) - Date.now()) / 1000;
}

describe("the cache hands out what is asked", () => {
  test("--duration 1h after --duration 15m mints the role again from the cached MFA session", async () => {
    await inCountedWorld(async (world, home, asked) => {
      await exportDoc(home, ["dev", "--duration", "15m"]);
      world.emu.resetCalls();
      const doc = await exportDoc(home, ["dev", "--duration", "1h"]);
      assert.deepEqual(
        world.emu.calls.map((c) => `${c.action} ${c.params.DurationSeconds}`),
        ["AssumeRole 3600"],
      );
      assert.ok(secondsLeft(doc.Expiration ?? "") > 3000, doc.Expiration);
      assert.equal(asked(), 1);
    });
  });

  test("a session minted for 15 minutes does not answer a later run that asks for the default hour", async () => {
    await inCountedWorld(async (world, home) => {
      await exportDoc(home, ["dev", "--duration", "15m"]);
      world.emu.resetCalls();
      await exportDoc(home, ["dev"]);
      assert.equal(successes(world, "AssumeRole"), 1);
    });
  });

  test("--duration 15m after --duration 1h reuses the hour-long session", async () => {
    await inCountedWorld(async (world, home) => {
      await exportDoc(home, ["dev", "--duration", "1h"]);
      world.emu.resetCalls();
      await exportDoc(home, ["dev", "--duration", "15m"]);
      assert.equal(world.emu.calls.length, 0);
    });
  });

  test("the same --duration asked twice in a row makes one STS call for the role", async () => {
    await inCountedWorld(async (world, home) => {
      await exportDoc(home, ["dev", "--duration", "1h"]);
      world.emu.resetCalls();
      await exportDoc(home, ["dev", "--duration", "1h"]);
      assert.equal(world.emu.calls.length, 0);
    });
  });

  test("an explicit --duration is not answered by the last half hour of an older session", async () => {
    await inCountedWorld(async (world, home, asked) => {
      world.emu.clock.advance(-30 * 60);
      await exportDoc(home, ["dev", "--duration", "1h"]);
      world.emu.clock.advance(30 * 60);
      world.emu.resetCalls();
      await exportDoc(home, ["dev", "--duration", "1h"]);
      assert.equal(successes(world, "AssumeRole"), 1);
      assert.equal(successes(world, "GetSessionToken"), 0);
      assert.equal(asked(), 1);
    });
  });

  test("without --duration the half-hour-old session is reused", async () => {
    await inCountedWorld(async (world, home) => {
      world.emu.clock.advance(-30 * 60);
      await exportDoc(home, ["dev"]);
      world.emu.clock.advance(30 * 60);
      world.emu.resetCalls();
      await exportDoc(home, ["dev"]);
      assert.equal(world.emu.calls.length, 0);
    });
  });

  test("--min-remaining 30m mints the role again from its cached parent when less is left", async () => {
    await inCountedWorld(async (world, home, asked) => {
      // The role session is issued 40 minutes in the past: 20 minutes are left.
      world.emu.clock.advance(-40 * 60);
      await exportDoc(home, ["dev"]);
      world.emu.clock.advance(40 * 60);
      world.emu.resetCalls();
      const doc = await exportDoc(home, ["dev", "--min-remaining", "30m"]);
      assert.deepEqual(
        world.emu.calls.map((c) => c.action),
        ["AssumeRole"],
      );
      assert.ok(secondsLeft(doc.Expiration ?? "") > 30 * 60, doc.Expiration);
      assert.equal(asked(), 1);
    });
  });

  test("a --min-remaining longer than the session can live reuses a fresh session instead of minting on every run", async () => {
    await inCountedWorld(async (world, home) => {
      await exportDoc(home, ["dev"]);
      world.emu.resetCalls();
      await exportDoc(home, ["dev", "--min-remaining", "2h"]);
      assert.equal(world.emu.calls.length, 0);
    });
  });

  test("vsw env takes --min-remaining and reuses a session that has that much left", async () => {
    await inCountedWorld(async (world, home) => {
      assert.equal((await runVsw(["env", "dev"], { env: home.env })).code, 0);
      world.emu.resetCalls();
      const r = await runVsw(["env", "dev", "--min-remaining", "30m", "--shell", "bash"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /AWS_SESSION_TOKEN/);
      assert.equal(world.emu.calls.length, 0);
    });
  });

  test("switching region reuses the cached sessions: no STS call, no MFA", async () => {
    await inCountedWorld(async (world, home, asked) => {
      await exportDoc(home, ["prod", "--duration", "2h"]);
      await exportDoc(home, ["base"]);
      world.emu.resetCalls();
      await exportDoc(home, ["prod", "--duration", "2h", "--region", "ap-south-1"]);
      await exportDoc(home, ["prod", "--duration", "2h"], { AWS_REGION: "sa-east-1" });
      await exportDoc(home, ["base"], { AWS_DEFAULT_REGION: "ca-central-1" });
      assert.equal(world.emu.calls.length, 0);
      assert.equal(asked(), 2);
    });
  });

  test("another $USER reuses a GetSessionToken session, which carries no session name", async () => {
    await inCountedWorld(async (world, home) => {
      await exportDoc(home, ["base"]);
      world.emu.resetCalls();
      await exportDoc(home, ["base"], { USER: "someone-else" });
      assert.equal(world.emu.calls.length, 0);
    });
  });
});

describe("aws-vault's rules for profiles", () => {
  test("--no-session on a role assumes it straight from the stored keys with the role's MFA", async () => {
    await inWorld(async (world, home) => {
      const r = await runVsw(["export", "dev", "--no-session", "--mfa-token", world.code()], {
        env: home.env,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(
        world.emu.calls.map((c) => `${c.action} ${c.status} mfa=${c.tokenCode}`),
        ["AssumeRole 200 mfa=true"],
      );
      assert.match(world.emu.calls[0]?.callerArn ?? "", /:user\/me$/);
    });
  });

  test("an alias with its own mfa_serial gets a GetSessionToken session with that serial", async () => {
    await inWorld(async (world, home) => {
      // base itself has no MFA here: the alias adds it, and must not drop it silently.
      home.writeConfig(
        `${world.config.replace(`mfa_serial = ${MFA_SERIAL}\n`, "")}
[profile base-mfa]
source_profile = base
mfa_serial = ${MFA_SERIAL}
endpoint_url = ${world.emu.url}
`,
      );
      const r = await runVsw(["export", "base-mfa", "--mfa-token", world.code()], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      const call = world.emu.calls.find((c) => c.action === "GetSessionToken");
      assert.equal(call?.status, 200);
      assert.equal(call?.params.SerialNumber, MFA_SERIAL);
      assert.equal(call?.tokenCode, true);
    });
  });

  test("a role without source_profile is assumed with the keys stored under its own name", async () => {
    await inWorld(async (world, home) => {
      world.emu.createRole({
        account: "444444444444",
        name: "deploy",
        trust: { principals: ["111111111111"] },
      });
      home.writeConfig(
        `${world.config}
[profile ci]
role_arn = arn:aws:iam::444444444444:role/deploy
endpoint_url = ${world.emu.url}
`,
      );
      const add = await runVsw(["add", "ci", "--env"], {
        env: {
          ...home.env,
          AWS_ACCESS_KEY_ID: world.accessKeyId,
          AWS_SECRET_ACCESS_KEY: world.secretAccessKey,
        },
      });
      assert.equal(add.code, 0, add.stderr);
      const r = await runVsw(["export", "ci"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      const call = world.emu.calls.find((c) => c.action === "AssumeRole");
      assert.equal(call?.status, 200);
      assert.equal(call?.params.RoleArn, "arn:aws:iam::444444444444:role/deploy");
      assert.match(call?.callerArn ?? "", /:user\/me$/);
    });
  });

  test("AWS_ROLE_ARN, AWS_SESSION_TAGS, AWS_TRANSITIVE_TAGS and AWS_SOURCE_IDENTITY reach AssumeRole", async () => {
    await inWorld(async (world, home) => {
      world.emu.createRole({ account: "444444444444", name: "ops", trust: { principals: ["111111111111"] } });
      home.writeConfig(
        `${world.config}\n[profile ops]\nsource_profile = base\nendpoint_url = ${world.emu.url}\n`,
      );
      const r = await runVsw(["export", "ops", "--mfa-token", world.code()], {
        env: {
          ...home.env,
          AWS_ROLE_ARN: "arn:aws:iam::444444444444:role/ops",
          AWS_SESSION_TAGS: "team = core , env=test,",
          AWS_TRANSITIVE_TAGS: "team,",
          AWS_SOURCE_IDENTITY: "alice",
        },
      });
      assert.equal(r.code, 0, r.stderr);
      const call = world.emu.calls.find((c) => c.action === "AssumeRole" && c.status === 200);
      assert.ok(call);
      assert.equal(call.params.RoleArn, "arn:aws:iam::444444444444:role/ops");
      assert.equal(call.params.SourceIdentity, "alice");
      assert.equal(call.params["Tags.member.1.Key"], "team");
      assert.equal(call.params["Tags.member.1.Value"], "core");
      assert.equal(call.params["Tags.member.2.Value"], "test");
      assert.equal(call.params["TransitiveTagKeys.member.1"], "team");
    });
  });

  test("AWS_MFA_SERIAL protects the source session, so a second role needs no code", async () => {
    await inWorld(async (world, home) => {
      // No mfa_serial anywhere in the config: the variable alone asks for MFA, once.
      home.writeConfig(world.config.replaceAll(`mfa_serial = ${MFA_SERIAL}\n`, ""));
      const env = { ...home.env, AWS_MFA_SERIAL: MFA_SERIAL };
      const dev = await runVsw(["export", "dev", "--mfa-token", world.code()], { env });
      assert.equal(dev.code, 0, dev.stderr);
      const prod = await runVsw(["export", "prod"], { env });
      assert.equal(prod.code, 0, prod.stderr);
      assert.deepEqual(
        world.emu.calls.map((c) => `${c.action} ${c.status} mfa=${c.tokenCode}`),
        ["GetSessionToken 200 mfa=true", "AssumeRole 200 mfa=false", "AssumeRole 200 mfa=false"],
      );
    });
  });

  test("AWS_ASSUME_ROLE_TTL sets the role session's length", async () => {
    await inWorld(async (world, home) => {
      const r = await runVsw(["export", "prod", "--mfa-token", world.code()], {
        env: { ...home.env, AWS_ASSUME_ROLE_TTL: "2h" },
      });
      assert.equal(r.code, 0, r.stderr);
      const call = world.emu.calls.find((c) => c.action === "AssumeRole");
      assert.equal(call?.params.DurationSeconds, "7200");
      assert.equal(call?.tokenCode, true);
    });
  });
});

describe("exec", () => {
  let world: World;
  let home: Home;
  before(async () => ({ world, home } = await setup()));
  after(async () => {
    await world.emu.close();
    home.cleanup();
  });

  test("exec passes the child's exit code through", async () => {
    const r = await runVsw(["exec", "dev", "--", "sh", "-c", "exit 7"], { env: home.env });
    assert.equal(r.code, 7, r.stderr);
  });

  test("exec gives the child the session and unsets AWS_PROFILE", async () => {
    const r = await runVsw(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template.
      ["exec", "dev", "--", "sh", "-c", 'echo "$VSW_PROFILE $VSW_ACCOUNT_ID ${AWS_PROFILE-unset}"'],
      {
        env: { ...home.env, AWS_PROFILE: "stale" },
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "dev 222222222222 unset");
  });

  test("a signal that ends the child ends vsw the same way", async () => {
    const r = await runVsw(["exec", "dev", "--", "sh", "-c", "kill -TERM $$"], { env: home.env });
    assert.equal(r.signal, "SIGTERM");
  });

  test("exec does not hand the keystore passphrase to the command", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template.
    const r = await runVsw(["exec", "dev", "--", "sh", "-c", 'echo "[${VSW_FILE_PASSPHRASE-unset}]"'], {
      env: home.env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "[unset]");
  });

  test("exec inside a vsw environment warns about nesting", async () => {
    const r = await runVsw(["exec", "dev", "--", "true"], { env: { ...home.env, VSW_PROFILE: "prod" } });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /already inside a vsw environment for "prod"/);
  });

  test("a missing command exits 127", async () => {
    const r = await runVsw(["exec", "dev", "--", "no-such-command-vsw"], { env: home.env });
    assert.equal(r.code, 127);
  });

  test("the AWS CLI v2 accepts credentials from vsw exec", async (t) => {
    if (!requireTool(t, "/usr/bin/aws")) return;
    const r = await runVsw(
      [
        "exec",
        "prod",
        "--",
        "/usr/bin/aws",
        "sts",
        "get-caller-identity",
        "--endpoint-url",
        world.emu.url,
        "--output",
        "json",
      ],
      { env: home.env },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { Account: string }).Account, "333333333333");
  });

  test("the AWS CLI v2 accepts credentials from vsw env in bash", async (t) => {
    if (!requireTool(t, "/usr/bin/aws")) return;
    const r = await run(
      "bash",
      [
        "-c",
        `eval "$(node ${VSW} env dev --shell bash)" && /usr/bin/aws sts get-caller-identity --endpoint-url "$EMU" --output json`,
      ],
      { env: { ...home.env, EMU: world.emu.url } },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match((JSON.parse(r.stdout) as { Arn: string }).Arn, /assumed-role\/dev\//);
  });

  test("boto3 accepts credentials from vsw exec", async (t) => {
    if (!requireTool(t, "python3")) return;
    const probe = await run("/usr/bin/python3", ["-c", "import boto3"], { env: home.env });
    if (probe.code !== 0) {
      if (process.env.CI === "true") assert.fail("boto3 is required under CI=true");
      t.skip("boto3 is not installed (.ci/run installs python3-boto3)");
      return;
    }
    const py = `import boto3, os; print(boto3.client("sts", endpoint_url=os.environ["EMU"]).get_caller_identity()["Arn"])`;
    const r = await runVsw(["exec", "prod", "--", "/usr/bin/python3", "-c", py], {
      env: { ...home.env, EMU: world.emu.url },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.trim(), /^arn:aws:sts::333333333333:assumed-role\/prod\//);
  });
});

describe("credential_process", () => {
  test("the AWS SDK consumes vsw export --format json as a credential_process", async () => {
    const { world, home } = await setup(`
[profile viaproc]
credential_process = node ${VSW} export dev --format json
`);
    try {
      const script = `const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
        const out = await new STSClient({ region: "us-east-1", endpoint: process.env.EMU }).send(new GetCallerIdentityCommand({}));
        console.log(out.Arn);`;
      const r = await run(process.execPath, ["--input-type=module", "-e", script], {
        env: { ...home.env, AWS_PROFILE: "viaproc", EMU: world.emu.url },
        cwd: ROOT,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.trim(), /assumed-role\/dev\/vsw-tester$/);
    } finally {
      await world.emu.close();
      home.cleanup();
    }
  });

  test("a profile whose credential_process calls vsw for itself is refused", async () => {
    const home = makeHome();
    try {
      home.writeConfig(`[profile loop]\ncredential_process = node ${VSW} export loop --format json\n`);
      const r = await runVsw(["export", "loop"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /calls itself: loop → loop.*\(VSW_CREDENTIAL_PROCESS_RECURSION\)/);
    } finally {
      home.cleanup();
    }
  });

  test("a credential_process document without a secret is refused naming the field", async () => {
    const home = makeHome();
    try {
      const script = join(home.dir, "half.sh");
      writeFileSync(script, `#!/bin/sh\necho '{"Version": 1, "AccessKeyId": "ASIAXXXXXXXXXXXXXXXX"}'\n`, {
        mode: 0o755,
      });
      home.writeConfig(`[profile half]\ncredential_process = ${script}\n`);
      const r = await runVsw(["export", "half"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /lacks "SecretAccessKey".*\(VSW_CREDENTIAL_PROCESS_FAILED\)/);
    } finally {
      home.cleanup();
    }
  });

  test("credential_process output is cached until its Expiration", async () => {
    const home = makeHome();
    try {
      const count = join(home.dir, "count");
      const script = join(home.dir, "creds.sh");
      const expiration = new Date(Date.now() + 3600_000).toISOString();
      writeFileSync(
        script,
        `#!/bin/sh\necho x >> ${count}\necho '{"Version": 1, "AccessKeyId": "ASIAXXXXXXXXXXXXXXXX", "SecretAccessKey": "s", "SessionToken": "t", "Expiration": "${expiration}"}'\n`,
        { mode: 0o755 },
      );
      home.writeConfig(`[profile proc]\ncredential_process = ${script}\n`);
      for (let i = 0; i < 2; i++) assert.equal((await runVsw(["export", "proc"], { env: home.env })).code, 0);
      assert.equal(readFileSync(count, "utf8"), "x\n");
    } finally {
      home.cleanup();
    }
  });
});

describe("--no-session", () => {
  test("--no-session hands out the stored long-lived keys themselves and calls no STS", async () => {
    await inWorld(async (world, home) => {
      const r = await runVsw(["export", "base", "--no-session", "--format", "json"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.equal(doc.AccessKeyId, world.accessKeyId);
      assert.equal(doc.SessionToken, undefined);
      assert.equal(world.emu.calls.length, 0);
    });
  });
});
