/**
 * The CLI's usage surface as aws-vault users meet it: verbs vsw lacks, flags without values, help
 * pages, hints that can be copied, `vsw add` overwriting, `vsw exec` nesting, and profile names
 * that look like flags.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Home, makeHome, runVsw, startWorld } from "./helpers/harness.js";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const SERIAL = "arn:aws:iam::111111111111:mfa/me";

function withKeys(home: Home, key = KEY): NodeJS.ProcessEnv {
  return { ...home.env, AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: SECRET };
}

describe("usage errors", () => {
  let home: Home;
  before(async () => {
    home = makeHome();
    home.writeConfig("[profile dev]\nsource_profile = solo\nrole_arn = arn:aws:iam::222222222222:role/dev\n");
    assert.equal((await runVsw(["add", "solo", "--env"], { env: withKeys(home) })).code, 0);
  });
  after(() => home.cleanup());

  for (const argv of [["exec", "dev", "--ec2-server"], ["proxy"]]) {
    test(`aws-vault's "${argv.join(" ")}" is not supported yet, with its own code`, async () => {
      const r = await runVsw(argv, { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not supported yet.*\(VSW_NOT_SUPPORTED\)/);
      assert.doesNotMatch(r.stderr, /Did you mean/);
    });
  }

  test("vsw clear of an unknown profile says that nothing matched", async () => {
    const r = await runVsw(["clear", "nosuch"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /"nosuch".*\(VSW_PROFILE_NOT_FOUND\)/);
  });

  test("vsw clear of a known profile without sessions says there were none", async () => {
    const r = await runVsw(["clear", "dev"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /No cached session of "dev"/);
  });

  for (const argv of [
    ["export", "solo", "--no-session", "--format"],
    ["export", "solo", "--no-session", "--format="],
    ["env", "solo", "--no-session", "--region"],
    ["env", "solo", "--no-session", "--region="],
    ["plan", "dev", "--duration"],
    ["env", "solo", "--no-session", "--region", "--debug"],
  ]) {
    test(`"${argv.join(" ")}" refuses to run without the flag's value`, async () => {
      const r = await runVsw(argv, { env: home.env });
      assert.equal(r.code, 2, r.stdout);
      assert.match(r.stderr, /\(VSW_USAGE\)/);
      assert.equal(r.stdout, "");
    });
  }

  for (const command of ["env", "export", "exec", "plan", "list", "add", "remove", "clear"]) {
    test(`vsw ${command} --help shows examples`, async () => {
      const r = await runVsw([command, "--help"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Examples:\n {2}(eval "\$\()?vsw /);
    });
  }

  test("a choice error prints its lines with real newlines", async () => {
    const r = await runVsw(["env", "solo", "--shell", "tcsh"], { env: home.env });
    assert.equal(r.code, 2);
    assert.doesNotMatch(r.stderr, /\\u\{a\}/);
    assert.match(r.stderr, /Choices:/);
  });

  test("an unknown keystore's hint names the keystores that exist", async () => {
    const r = await runVsw(["list", "--keystore", "nope"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_KEYSTORE_UNKNOWN\)/);
    assert.match(r.stderr, /^hint: .*"file"/m);
    assert.doesNotMatch(r.stderr, /keystore-file/);
  });

  test("a hint quotes the profile name in the command it suggests", async () => {
    const r = await runVsw(["env", "my prod;rm -rf ~"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^hint: .*vsw add 'my prod;rm -rf ~'/m);
  });
});

describe("vsw add", () => {
  let home: Home;
  before(() => {
    home = makeHome();
  });
  after(() => home.cleanup());

  test("malformed keys create no keystore", async () => {
    const r = await runVsw(["add", "a", "--env"], { env: withKeys(home, "nonsense") });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_KEYS_INVALID\)/);
    assert.equal(existsSync(join(home.dir, ".local", "share", "vsw")), false);
  });

  test("existing keys are not overwritten without a terminal unless --force", async () => {
    assert.equal((await runVsw(["add", "a", "--env"], { env: withKeys(home) })).code, 0);
    const other = "AKIAAAAAAAAAAAAAAAAA";
    const refused = await runVsw(["add", "a", "--env"], { env: withKeys(home, other), detached: true });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\(VSW_KEYS_EXIST\)/);
    assert.match(refused.stderr, /--force/);
    const forced = await runVsw(["add", "a", "--env", "--force"], { env: withKeys(home, other) });
    assert.equal(forced.code, 0, forced.stderr);
    const out = await runVsw(["export", "a", "--no-session", "--format", "dotenv"], { env: home.env });
    assert.match(out.stdout, new RegExp(`AWS_ACCESS_KEY_ID=${other}`));
  });

  test("a profile name that starts with - works after --", async () => {
    const add = await runVsw(["add", "--env", "--", "-weird"], { env: withKeys(home) });
    assert.equal(add.code, 0, add.stderr);
    for (const command of ["env", "export"]) {
      const r = await runVsw([command, "--no-session", "--", "-weird"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(KEY));
    }
  });
});

describe("--mfa-serial", () => {
  let home: Home;
  before(async () => {
    home = makeHome({ VSW_NO_PROMPT: "1" });
    assert.equal((await runVsw(["add", "solo", "--env"], { env: withKeys(home) })).code, 0);
  });
  after(() => home.cleanup());

  test("vsw plan --mfa-serial puts MFA on the session", async () => {
    const r = await runVsw(["plan", "solo", "--mfa-serial", SERIAL, "--json"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as { steps: Array<{ type: string; mfaSerial?: string | null }> };
    assert.equal(plan.steps.at(-1)?.mfaSerial, SERIAL);
  });

  for (const command of [["env"], ["export"], ["exec", "--mfa-serial", SERIAL, "solo", "--", "true"]]) {
    test(`vsw ${command[0]} --mfa-serial asks for a code`, async () => {
      const argv = command.length > 1 ? command : [command[0] as string, "solo", "--mfa-serial", SERIAL];
      const r = await runVsw(argv, { env: home.env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(VSW_MFA_REQUIRED\)/);
    });
  }
});

describe("vsw exec", () => {
  test("warns about nesting only when it changes the profile, and leaks no SDK variable", async () => {
    const world = await startWorld();
    const home = makeHome();
    try {
      home.writeConfig(`[profile solo]\nendpoint_url = ${world.emu.url}\n`);
      delete home.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
      const user = world.emu.createUser({ account: "444444444444", name: "plain" });
      const add = await runVsw(["add", "solo", "--env"], {
        env: {
          ...home.env,
          AWS_ACCESS_KEY_ID: user.accessKeyId,
          AWS_SECRET_ACCESS_KEY: user.secretAccessKey,
        },
      });
      assert.equal(add.code, 0, add.stderr);
      const same = await runVsw(["exec", "solo", "--", "env"], { env: { ...home.env, VSW_PROFILE: "solo" } });
      assert.equal(same.code, 0, same.stderr);
      assert.doesNotMatch(same.stderr, /already inside/);
      assert.doesNotMatch(same.stdout, /AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED/);
      assert.match(same.stdout, /^AWS_SESSION_TOKEN=/m);
      const other = await runVsw(["exec", "solo", "--", "true"], {
        env: { ...home.env, VSW_PROFILE: "dev" },
      });
      assert.equal(other.code, 0, other.stderr);
      assert.match(other.stderr, /already inside a vsw environment for "dev"/);
    } finally {
      home.cleanup();
      await world.emu.close();
    }
  });
});
