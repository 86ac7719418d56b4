/**
 * The CLI as a new user meets it: the built `vsw` against a throwaway HOME and the file keystore.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  addBaseKeys,
  closeWorld,
  type Home,
  makeHome,
  PASSPHRASE,
  ROOT,
  requireTool,
  run,
  runVsw,
  startWorld,
  VSW,
  type World,
  worldWithHome,
} from "./helpers/harness.js";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

function withKeys(home: Home, key = KEY, secret = SECRET): NodeJS.ProcessEnv {
  return { ...home.env, AWS_ACCESS_KEY_ID: key, AWS_SECRET_ACCESS_KEY: secret };
}

/** Every file under `dir` as [path, bytes]. */
function files(dir: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      out.push([path, readFileSync(path)]);
    }
  }
  return out;
}

describe("help, version and usage errors", () => {
  const home = makeHome();
  after(() => home.cleanup());

  test("--help lists the commands and exits 0", async () => {
    const r = await runVsw(["--help"], { env: home.env });
    assert.equal(r.code, 0);
    for (const command of ["env", "export", "exec", "plan", "list", "add", "remove", "clear"]) {
      assert.match(r.stdout, new RegExp(`vsw ${command}`));
    }
  });

  test("every command has its own --help", async () => {
    const r = await runVsw(["add", "--help"], { env: home.env });
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--env/);
  });

  test("--version prints the package version", async () => {
    const r = await runVsw(["--version"], { env: home.env });
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    assert.equal(r.stdout.trim(), pkg.version);
  });

  test("an unknown command is a usage error with exit code 2", async () => {
    const r = await runVsw(["frobnicate"], { env: home.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^vsw: .*\(VSW_USAGE\)$/m);
    assert.match(r.stderr, /^hint: /m);
  });

  test("an unknown flag is a usage error, on the hot commands too", async () => {
    const r = await runVsw(["env", "dev", "--bogus"], { env: home.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown argument: bogus/);
  });

  test("errors carry no colour when stderr is not a terminal", async () => {
    const r = await runVsw(["env", "nope"], { env: home.env });
    assert.equal(r.code, 1);
    assert.ok(!r.stderr.includes("\u001b["), "no ANSI escape in stderr");
  });
});

describe("add and list", () => {
  let home: Home;
  before(() => {
    home = makeHome();
    home.writeConfig(
      "[profile base]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::111111111111:mfa/me\n\n[profile dev]\nsource_profile = base\nrole_arn = arn:aws:iam::222222222222:role/dev\n",
    );
  });
  after(() => home.cleanup());

  test("vsw add --env stores the keys and vsw list --json shows them without a secret", async () => {
    const add = await runVsw(["add", "base", "--env"], { env: withKeys(home) });
    assert.equal(add.code, 0, add.stderr);
    const list = await runVsw(["list", "--json"], { env: home.env });
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout + list.stderr, new RegExp(`${KEY}|${SECRET.replace(/\//g, "\\/")}`));
    const parsed = JSON.parse(list.stdout) as {
      profiles: Array<{ profile: string; keys: boolean; sourceProfile: string | null }>;
    };
    assert.deepEqual(
      parsed.profiles.map((p) => [p.profile, p.keys, p.sourceProfile]),
      [
        ["base", true, null],
        ["dev", false, "base"],
      ],
    );
  });

  test("vsw list names where a profile without source_profile gets its credentials", async () => {
    const other = makeHome();
    try {
      other.writeConfig(
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n\n" +
          "[profile admin]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Admin\n\n" +
          "[profile legacy]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111111111111\nsso_role_name = R\n\n" +
          "[profile ci]\nrole_arn = arn:aws:iam::111111111111:role/ci\nweb_identity_token_file = /t\n\n" +
          "[profile box]\nrole_arn = arn:aws:iam::111111111111:role/box\ncredential_source = Ec2InstanceMetadata\n",
      );
      const list = await runVsw(["list"], { env: other.env });
      assert.equal(list.code, 0, list.stderr);
      const source = (name: string) =>
        list.stdout
          .split("\n")
          .find((line) => line.startsWith(`${name} `))
          ?.split(/ {2,}/)[2];
      assert.equal(source("admin"), "sso corp");
      assert.equal(source("legacy"), "sso");
      assert.equal(source("ci"), "web identity");
      assert.equal(source("box"), "Ec2InstanceMetadata");
    } finally {
      other.cleanup();
    }
  });

  test("list needs no passphrase", async () => {
    const env = { ...home.env };
    delete env.VSW_FILE_PASSPHRASE;
    const list = await runVsw(["list", "--names"], {
      env: { ...env, XDG_RUNTIME_DIR: join(home.dir, "no-unlock") },
    });
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, "base\ndev\n");
  });

  test("a temporary ASIA key is refused with a hint", async () => {
    const r = await runVsw(["add", "tmp", "--env"], { env: withKeys(home, "ASIAIOSFODNN7EXAMPLE") });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /temporary \(ASIA…\) key.*\(VSW_KEYS_INVALID\)/);
    assert.match(r.stderr, /^hint: .*AKIA/m);
  });

  test("a malformed secret is refused and never echoed", async () => {
    const bad = "not-a-real-secret-value";
    const r = await runVsw(["add", "tmp", "--env"], { env: withKeys(home, KEY, bad) });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_KEYS_INVALID\)/);
    assert.doesNotMatch(r.stderr, new RegExp(bad));
  });

  test("vsw add without --env and without a terminal says how to pass the keys", async () => {
    const r = await runVsw(["add", "tmp"], { env: home.env, detached: true });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_NO_TTY\)/);
    assert.match(r.stderr, /--env/);
  });

  test("a wrong passphrase fails with its own code and writes nothing", async () => {
    const dir = join(home.dir, ".local", "share", "vsw");
    const before = files(dir).map(([p, b]) => [p, b.toString("base64"), statSync(p).mtimeMs]);
    const r = await runVsw(["add", "other", "--env"], {
      env: { ...withKeys(home), VSW_FILE_PASSPHRASE: "wrong passphrase" },
    });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_KEYSTORE_BAD_PASSPHRASE\)/);
    const after = files(dir).map(([p, b]) => [p, b.toString("base64"), statSync(p).mtimeMs]);
    assert.deepEqual(after, before);
  });

  test("the keystore directory is 0700 and its files 0600", async () => {
    const dir = join(home.dir, ".local", "share", "vsw");
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    for (const [path] of files(dir)) assert.equal(statSync(path).mode & 0o777, 0o600, path);
  });

  test("remove without a terminal needs --force, and --force removes the keys", async () => {
    const denied = await runVsw(["remove", "base"], { env: home.env, detached: true });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /--force/);
    const removed = await runVsw(["remove", "base", "--force"], { env: home.env });
    assert.equal(removed.code, 0, removed.stderr);
    const list = JSON.parse((await runVsw(["list", "--json"], { env: home.env })).stdout) as {
      profiles: Array<{ keys: boolean }>;
    };
    assert.ok(list.profiles.every((p) => !p.keys));
  });
});

describe("concurrency and crashes", () => {
  test("20 concurrent vsw add of different profiles leave 20 readable items", async () => {
    const home = makeHome();
    try {
      const adds = Array.from({ length: 20 }, (_, i) =>
        runVsw(["add", `p${i}`, "--env"], { env: withKeys(home, `AKIA${String(i).padStart(16, "0")}`) }),
      );
      for (const r of await Promise.all(adds)) assert.equal(r.code, 0, r.stderr);
      for (let i = 0; i < 20; i++) {
        const r = await runVsw(["export", `p${i}`, "--no-session", "--format", "json"], { env: home.env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          (JSON.parse(r.stdout) as { AccessKeyId: string }).AccessKeyId,
          `AKIA${String(i).padStart(16, "0")}`,
        );
      }
    } finally {
      home.cleanup();
    }
  });

  test("a vsw add killed with SIGKILL loses nothing stored before", async () => {
    const home = makeHome();
    try {
      assert.equal((await runVsw(["add", "keep", "--env"], { env: withKeys(home) })).code, 0);
      for (let i = 0; i < 8; i++) {
        const child = spawn(process.execPath, [VSW, "add", `victim${i}`, "--env"], {
          env: withKeys(home),
          stdio: "ignore",
        });
        const closed = new Promise((r) => child.on("close", r));
        await new Promise((r) => setTimeout(r, 40 + i * 15));
        child.kill("SIGKILL");
        await closed;
      }
      const r = await runVsw(["export", "keep", "--no-session", "--format", "json"], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { SecretAccessKey: string }).SecretAccessKey, SECRET);
      const list = await runVsw(["list", "--json"], { env: home.env });
      assert.equal(list.code, 0, list.stderr);
    } finally {
      home.cleanup();
    }
  });
});

describe("secrets stay secret", () => {
  let world: World;
  let home: Home;
  before(async () => {
    ({ world, home } = await worldWithHome({ keys: false }));
  });
  after(() => closeWorld(world, home));

  test("no secret is stored in plaintext anywhere in HOME, the runtime dir or the temp dir", async () => {
    await addBaseKeys(home, world);
    const env = await runVsw(["env", "dev", "--mfa-token", world.code(), "--shell", "bash"], {
      env: home.env,
    });
    assert.equal(env.code, 0, env.stderr);
    const sessionSecret = /AWS_SECRET_ACCESS_KEY='([^']+)'/.exec(env.stdout)?.[1];
    const sessionToken = /AWS_SESSION_TOKEN='([^']+)'/.exec(env.stdout)?.[1];
    assert.ok(sessionSecret && sessionToken);
    const needles = [world.secretAccessKey, sessionSecret, sessionToken, PASSPHRASE].map((s) =>
      Buffer.from(s),
    );
    const roots = [home.dir, home.env.XDG_RUNTIME_DIR as string, "/tmp"];
    for (const root of roots) {
      for (const [path, bytes] of safeFiles(root)) {
        for (const needle of needles)
          assert.equal(bytes.includes(needle), false, `a secret in plaintext in ${path}`);
      }
    }
  });

  test("--debug traces hooks and plugins but no value", async () => {
    const r = await runVsw(["export", "dev", "--format", "json", "--debug"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /cachedSession → cache-keystore/);
    const doc = JSON.parse(r.stdout) as { SecretAccessKey: string; SessionToken: string };
    assert.ok(!r.stderr.includes(doc.SecretAccessKey));
    assert.ok(!r.stderr.includes(doc.SessionToken));
    assert.ok(!r.stderr.includes(world.secretAccessKey));
  });
});

/** Files under `root` that this user can read, skipping what vanishes or cannot be read. */
function safeFiles(root: string): Array<[string, Buffer]> {
  const out: Array<[string, Buffer]> = [];
  let entries: import("node:fs").Dirent[] = [];
  try {
    entries = readdirSync(root, { withFileTypes: true, recursive: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    try {
      // tsx's transpile cache and this checkout hold test sources, not what vsw wrote.
      if (path.includes("/tsx-") || path.startsWith(`${ROOT}/`)) continue;
      if (statSync(path).size < 8 * 1024 * 1024) out.push([path, readFileSync(path)]);
    } catch {
      // Gone or unreadable: another test's temp file.
    }
  }
  return out;
}

describe("plan, errors and plugins", () => {
  let home: Home;
  before(() => {
    home = makeHome();
    home.writeConfig(
      "[profile base]\nmfa_serial = arn:aws:iam::111111111111:mfa/me\n\n[profile prod]\nsource_profile = base\nrole_arn = arn:aws:iam::333333333333:role/admin\nmfa_serial = arn:aws:iam::111111111111:mfa/me\nregion = eu-west-1\n\n[profile loop]\nsource_profile = loop2\nrole_arn = arn:aws:iam::333333333333:role/a\n\n[profile loop2]\nsource_profile = loop\nrole_arn = arn:aws:iam::333333333333:role/b\n",
    );
  });
  before(async () => {
    assert.equal((await runVsw(["add", "solo", "--env"], { env: withKeys(home) })).code, 0);
  });
  after(() => home.cleanup());

  test("vsw plan --json prints the ordered steps without touching the network", async () => {
    const r = await runVsw(["plan", "prod", "--json"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    const plan = JSON.parse(r.stdout) as {
      profile: string;
      region: string;
      steps: Array<Record<string, unknown>>;
    };
    assert.equal(plan.profile, "prod");
    assert.equal(plan.region, "eu-west-1");
    assert.deepEqual(
      plan.steps.map((s) => [s.type, s.profile, s.mfaSerial ?? null, s.durationSeconds ?? null]),
      [
        ["keys", "base", null, null],
        ["GetSessionToken", "base", "arn:aws:iam::111111111111:mfa/me", 28800],
        ["AssumeRole", "prod", null, 3600],
      ],
    );
  });

  test("vsw plan names the region a role without one inherits from its source, as vsw env hands it out", async () => {
    const h = makeHome();
    try {
      h.writeConfig(
        "[profile base]\nregion = ap-south-1\n\n[profile dev]\nsource_profile = base\nrole_arn = arn:aws:iam::222222222222:role/dev\n",
      );
      const r = await runVsw(["plan", "dev"], { env: h.env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Plan for "dev" \(region ap-south-1, from its source_profile chain\):/);
    } finally {
      h.cleanup();
    }
  });

  test("an unknown profile is VSW_PROFILE_NOT_FOUND with a hint, exit 1", async () => {
    const r = await runVsw(["env", "nope"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vsw: .*"nope".*\(VSW_PROFILE_NOT_FOUND\)$/m);
    assert.match(r.stderr, /^hint: /m);
  });

  test("a source_profile cycle names its path", async () => {
    const r = await runVsw(["plan", "loop"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /loop → loop2 → loop.*\(VSW_PROFILE_CYCLE\)/);
  });

  test("an unknown format lists the known ones", async () => {
    const r = await runVsw(["export", "solo", "--no-session", "--format", "yaml"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_FORMAT_UNKNOWN\)/);
    assert.match(r.stderr, /dotenv, env, ini, json/);
  });

  test("a team plugin from a local file adds a format", async () => {
    const plugin = join(home.dir, "csv-plugin.mjs");
    writeFileSync(
      plugin,
      `export default () => ({ name: "format-csv", apply(vsw) {
        vsw.hooks.format.for("csv").tap("format-csv", (r) => "profile,key\\n" + r.profile + "," + r.credentials.accessKeyId + "\\n");
      } });\n`,
    );
    const r = await runVsw(["export", "solo", "--no-session", "--format", "csv", "--plugin", plugin], {
      env: home.env,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `profile,key\nsolo,${KEY}\n`);
    const viaEnv = await runVsw(["export", "solo", "--no-session", "--format", "csv", "--"], {
      env: { ...home.env, VSW_PLUGINS: plugin },
    });
    assert.equal(viaEnv.stdout, r.stdout);
  });

  test("an error thrown inside a plugin names the plugin and the hook", async () => {
    const plugin = join(home.dir, "broken-plugin.mjs");
    writeFileSync(
      plugin,
      `export default { name: "policy-broken", apply(vsw) {
        vsw.hooks.credentials.tap("policy-broken", () => { throw new Error("boom"); });
      } };\n`,
    );
    const r = await runVsw(["export", "solo", "--no-session", "--plugin", plugin], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Plugin "policy-broken" failed in hook "credentials": boom \(VSW_PLUGIN_ERROR\)/);
    // exec hands out credentials too, so the same policy hook stops it before the command runs.
    const exec = await runVsw(["exec", "solo", "--no-session", "--plugin", plugin, "--", "echo", "ran"], {
      env: home.env,
    });
    assert.equal(exec.code, 1);
    assert.equal(exec.stdout, "");
    assert.match(exec.stderr, /failed in hook "credentials"/);
  });

  test("the fast path and the yargs path print the same", async () => {
    const fast = await runVsw(["export", "solo", "--no-session", "--format", "dotenv"], { env: home.env });
    // `--` is not part of the fast grammar, so this one goes through yargs.
    const slow = await runVsw(["export", "solo", "--no-session", "--format", "dotenv", "--"], {
      env: home.env,
    });
    assert.equal(fast.code, 0, fast.stderr);
    assert.equal(slow.stdout, fast.stdout);
  });
});

describe("small commands and terminal safety", () => {
  const home = makeHome();
  after(() => home.cleanup());

  test("vsw off prints the same unset code on the fast path and through yargs", async () => {
    const fast = await runVsw(["off", "--shell", "bash"], { env: home.env });
    const slow = await runVsw(["off", "--shell", "bash", "--debug"], { env: home.env });
    assert.equal(fast.code, 0, fast.stderr);
    assert.match(fast.stdout, /^unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN /);
    assert.equal(slow.stdout, fast.stdout);
  });

  test("vsw use without the shell integration explains how to get it", async () => {
    const r = await runVsw(["use", "prod"], { env: home.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /needs the shell integration.*\(VSW_USAGE\)/);
    assert.match(r.stderr, /vsw init/);
  });

  test("control characters of a profile name are escaped in error messages", async () => {
    const r = await runVsw(["env", "evil\u001b]0;pwned\u0007"], { env: home.env });
    assert.equal(r.code, 1);
    assert.ok(!r.stderr.includes("\u001b"), "no raw ESC reaches the terminal");
    assert.match(r.stderr, /evil\\u\{1b\}\]0;pwned\\u\{7\}/);
  });

  test("VSW_NO_PROMPT=1 fails instead of prompting, even on a terminal", async (t) => {
    if (!requireTool(t, "script")) return;
    const world = await startWorld();
    try {
      home.writeConfig(world.config);
      await addBaseKeys(home, world);
      // `script` gives vsw a controlling terminal; without VSW_NO_PROMPT it would wait at the prompt.
      const r = await run("script", ["-qec", `${process.execPath} ${VSW} env dev`, "/dev/null"], {
        env: { ...home.env, VSW_NO_PROMPT: "1" },
      });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout, /\(VSW_MFA_REQUIRED\)/);
      assert.equal(world.emu.calls.length, 0);
    } finally {
      await world.emu.close();
    }
  });
});
