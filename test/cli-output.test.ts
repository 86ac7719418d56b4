/**
 * What vsw prints on stdout: terminal safety of text from a config, `list`'s views, and OS errors
 * (a closed pipe, a full disk) as one-line `vsw:` errors.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Home, makeHome, run, runVsw, startWorld, VSW } from "./helpers/harness.js";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
/** C0 (ESC, BEL), DEL and C1 (U+009B CSI): each can move the cursor, set a title or clear a screen. */
function raw(text: string): string[] {
  return [...text].filter((c) => {
    const code = c.codePointAt(0) as number;
    return (code < 0x20 && c !== "\n" && c !== "\t") || (code >= 0x7f && code <= 0x9f);
  });
}

function withKeys(home: Home): NodeJS.ProcessEnv {
  return { ...home.env, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET };
}

describe("text from a config never reaches the terminal raw", () => {
  let home: Home;
  const evil = "evil\u001b]0;pwned\u0007";
  const csi = "csi\u009b2J";
  before(() => {
    home = makeHome();
    home.writeConfig(
      `[profile base]\nregion = eu-west-1\n\n[profile ${evil}]\nsource_profile = base\nrole_arn = arn:aws:iam::222222222222:role/dev\u001b[2J\nmfa_serial = arn:aws:iam::111111111111:mfa/me\u007f\n\n[profile ${csi}]\nsource_profile = base\nrole_arn = arn:aws:iam::222222222222:role/x\u009b2J\n`,
    );
  });
  after(() => home.cleanup());

  test("vsw list escapes control characters of names, ARNs and serials", async () => {
    const r = await runVsw(["list"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(raw(r.stdout), []);
    assert.match(r.stdout, /evil\\u\{1b\}\]0;pwned\\u\{7\}/);
    assert.match(r.stdout, /role\/dev\\u\{1b\}\[2J/);
    assert.match(r.stdout, /csi\\u\{9b\}2J/);
  });

  test("vsw plan escapes control characters of the profile and its ARNs", async () => {
    for (const name of [evil, csi]) {
      const r = await runVsw(["plan", name], { env: home.env });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(raw(r.stdout), []);
      assert.match(r.stdout, /\\u\{(1b|9b)\}/);
    }
  });

  test("vsw list --names leaves out names with control characters and says so on stderr", async () => {
    const r = await runVsw(["list", "--names"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "base\n");
    assert.deepEqual(raw(r.stderr), []);
    assert.match(r.stderr, /evil\\u\{1b\}/);
  });

  test("vsw list --json keeps the names exact, JSON-escaped", async () => {
    const r = await runVsw(["list", "--json"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(raw(r.stdout), []);
    const names = (JSON.parse(r.stdout) as { profiles: Array<{ profile: string }> }).profiles.map(
      (p) => p.profile,
    );
    assert.deepEqual(names, ["base", evil, csi]);
  });

  test("vsw add escapes the profile name it confirms", async () => {
    const r = await runVsw(["add", "k\u009b2J", "--env"], { env: withKeys(home) });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(raw(r.stdout + r.stderr), []);
  });
});

describe("warnings escape what they quote", () => {
  const home = makeHome();
  after(() => home.cleanup());

  test("vsw exec's nesting warning escapes the VSW_PROFILE it names", async () => {
    assert.equal((await runVsw(["add", "solo", "--env"], { env: withKeys(home) })).code, 0);
    const r = await runVsw(["exec", "solo", "--no-session", "--", "true"], {
      env: { ...home.env, VSW_PROFILE: "x\u001b]0;t\u0007" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(raw(r.stderr), []);
    assert.match(r.stderr, /x\\u\{1b\}/);
  });
});

describe("completion and the picker offer no name with control characters", () => {
  const home = makeHome();
  after(() => home.cleanup());

  test("vsw __complete leaves out such names and escapes descriptions", async () => {
    home.writeConfig(
      "[profile ok]\nrole_arn = arn:aws:iam::1:role/a\u001b[2J\n[profile e\u001b]0;x\u0007]\n",
    );
    const r = await runVsw(["__complete", "--", "env", ""], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(raw(r.stdout), []);
    assert.equal(r.stdout, ":words\nok\tarn:aws:iam::1:role/a\\u{1b}[2J\n");
  });
});

describe("vsw list views", () => {
  let home: Home;
  before(async () => {
    home = makeHome();
    home.writeConfig("[default]\n\n[profile a]\nregion = eu-west-1\n\n[profile b]\nsource_profile = a\n");
    for (const name of ["a", "solo"]) {
      const r = await runVsw(["add", name, "--env"], { env: withKeys(home) });
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(() => home.cleanup());

  test("vsw list --credentials prints the profiles with stored keys, as aws-vault does", async () => {
    const r = await runVsw(["list", "--credentials"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "a\nsolo\n");
  });

  test("an empty [default] section is not listed as a profile", async () => {
    const r = await runVsw(["list", "--names"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "a\nb\nsolo\n");
  });
});

describe("OS errors are one-line vsw errors", () => {
  let home: Home;
  before(async () => {
    home = makeHome();
    home.writeConfig("[profile a]\nregion = eu-west-1\n");
    assert.equal((await runVsw(["add", "a", "--env"], { env: withKeys(home) })).code, 0);
  });
  after(() => home.cleanup());

  test("a reader that leaves early (vsw list | head -1) ends vsw quietly with 141", async () => {
    const r = await run(
      "bash",
      ["-c", `set -o pipefail; "${process.execPath}" "${VSW}" list | true; echo " rc=$?"`],
      {
        env: home.env,
      },
    );
    assert.equal(r.stderr, "");
    assert.match(r.stdout, / rc=141$/m);
  });

  test("stdout on a full device (> /dev/full) is VSW_IO_ERROR without a stack trace", async () => {
    for (const argv of [["list"], ["export", "a", "--no-session"]]) {
      const r = await run("bash", ["-c", `"${process.execPath}" "${VSW}" ${argv.join(" ")} > /dev/full`], {
        env: home.env,
      });
      assert.equal(r.code, 1, argv.join(" "));
      assert.match(r.stderr, /^vsw: .*ENOSPC.*\(VSW_IO_ERROR\)$/m);
      assert.doesNotMatch(r.stderr, /VSW_PLUGIN_ERROR|report it|\n\s+at /);
    }
  });

  test("a directory where the keystore writes an item (EISDIR) is VSW_IO_ERROR naming it", async () => {
    const dir = join(home.dir, "ks");
    const add = await runVsw(["add", "q", "--env"], { env: { ...withKeys(home), VSW_FILE_DIR: dir } });
    assert.equal(add.code, 0, add.stderr);
    const item = readdirSync(dir).find((name) => name.endsWith(".item")) as string;
    rmSync(join(dir, item));
    mkdirSync(join(dir, item));
    const r = await runVsw(["add", "q", "--env", "--force"], {
      env: { ...withKeys(home), VSW_FILE_DIR: dir },
    });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^vsw: Could not rename ".*\.item": it is a directory \(EISDIR\)\. \(VSW_IO_ERROR\)$/m,
    );
    assert.doesNotMatch(r.stderr, /VSW_PLUGIN_ERROR|report it|\n\s+at /);
  });

  test("a keystore directory that is a file is a one-line error", async () => {
    const r = await runVsw(["list"], { env: { ...home.env, VSW_FILE_DIR: home.configFile } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^vsw: .*\((VSW_IO_ERROR|VSW_KEYSTORE_UNAVAILABLE)\)$/m);
    assert.doesNotMatch(r.stderr, /VSW_PLUGIN_ERROR|\n\s+at /);
  });
});

describe("a full disk", () => {
  test("still hands out a minted session, warns that it was not cached, and leaks no temp file", async (t) => {
    // CI runs as root (.ci/run); on a user's machine a full disk cannot be made without it.
    if (process.getuid?.() !== 0) {
      if (process.env.CI === "true") throw new Error("mounting a tmpfs needs root, and CI=true runs as root");
      t.skip("mounting a tmpfs needs root");
      return;
    }
    const home = makeHome();
    const dir = join(home.dir, "full");
    mkdirSync(dir);
    const mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
    if (mounted.status !== 0) {
      home.cleanup();
      if (process.env.CI === "true") throw new Error(`cannot mount a tmpfs under CI=true: ${mounted.stderr}`);
      t.skip(`cannot mount a tmpfs here: ${mounted.stderr}`);
      return;
    }
    const world = await startWorld();
    try {
      const env = { ...home.env, VSW_FILE_DIR: join(dir, "vsw") };
      home.writeConfig(`${world.config}\n[profile solo]\nendpoint_url = ${world.emu.url}\n`);
      const user = world.emu.createUser({ account: "444444444444", name: "plain" });
      const add = await runVsw(["add", "solo", "--env"], {
        env: { ...env, AWS_ACCESS_KEY_ID: user.accessKeyId, AWS_SECRET_ACCESS_KEY: user.secretAccessKey },
      });
      assert.equal(add.code, 0, add.stderr);
      const base = await runVsw(["add", "base", "--env"], {
        env: { ...env, AWS_ACCESS_KEY_ID: world.accessKeyId, AWS_SECRET_ACCESS_KEY: world.secretAccessKey },
      });
      assert.equal(base.code, 0, base.stderr);
      // Fill what is left of the disk.
      spawnSync("dd", ["if=/dev/zero", `of=${join(dir, "filler")}`, "bs=1k", "count=64"]);
      const r = await runVsw(["export", "solo", "--format", "dotenv"], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^AWS_SESSION_TOKEN=/m);
      assert.match(r.stderr, /^vsw: warning: .*not cached.*ENOSPC/m);
      // With MFA too, where the mint runs under a lock file that cannot be written either.
      const mfa = await runVsw(["export", "base", "--format", "dotenv", "--mfa-token", world.code()], {
        env,
      });
      assert.equal(mfa.code, 0, mfa.stderr);
      assert.match(mfa.stdout, /^AWS_SESSION_TOKEN=/m);
      // Storing keys cannot work around a full disk: a one-line error.
      spawnSync("dd", ["if=/dev/zero", `of=${join(dir, "filler2")}`, "bs=1k", "count=64"]);
      const more = await runVsw(["add", "more", "--env"], {
        env: { ...env, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET },
      });
      assert.equal(more.code, 1);
      assert.match(more.stderr, /^vsw: .*ENOSPC.*\(VSW_IO_ERROR\)$/m);
      assert.deepEqual(
        readdirSync(join(dir, "vsw")).filter((name) => name.startsWith(".tmp-")),
        [],
      );
    } finally {
      await world.emu.close();
      spawnSync("umount", [dir]);
      home.cleanup();
    }
  });
});
