/**
 * The launcher (src/cli/launcher.ts): vsw starts from V8's code cache, and a cache that is missing,
 * damaged, made for other V8 flags or impossible to write never stops it or changes what it does.
 * The cache holds compiled code only: no value of a run, so no secret. Timing is the bench's.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { closeWorld, type Home, runVsw, VSW, type World, worldWithHome } from "./helpers/harness.js";

const VERSION = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"))
  .version as string;

describe("the launcher's code cache", () => {
  let world: World;
  let home: Home;
  let codeDir: string;
  before(async () => {
    ({ world, home } = await worldWithHome());
    codeDir = join(home.dir, ".cache", "vsw", "code");
  });
  after(() => closeWorld(world, home));

  const version = (env = home.env, flags: string[] = []) =>
    spawnSync(process.execPath, [...flags, VSW, "--version"], { env, encoding: "utf8" });
  const cacheOf = (kind: string) => readdirSync(codeDir).find((f) => f.endsWith(`-${kind}.cache`));

  test("the first run of a kind of command keeps a private copy; later runs read it", () => {
    const first = version();
    assert.equal(first.status, 0, first.stderr);
    assert.equal(first.stdout.trim(), VERSION);
    const file = cacheOf("other");
    assert.ok(file, "a copy for the other commands");
    assert.equal(statSync(join(codeDir, file)).mode & 0o777, 0o600);
    assert.equal(statSync(codeDir).mode & 0o777, 0o700);
    const made = statSync(join(codeDir, file)).mtimeMs;
    assert.equal(version().status, 0);
    assert.equal(statSync(join(codeDir, file)).mtimeMs, made, "an accepted copy is not written again");
  });

  test("a hot command line the fast path does not take runs the full bundle, and leaves no switch copy", () => {
    rmSync(codeDir, { recursive: true, force: true });
    const help = spawnSync(process.execPath, [VSW, "env", "--help"], { env: home.env, encoding: "utf8" });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^vsw env <profile>/);
    const wrong = spawnSync(process.execPath, [VSW, "export", "--format"], {
      env: home.env,
      encoding: "utf8",
    });
    assert.equal(wrong.status, 2);
    assert.match(wrong.stderr, /\(VSW_USAGE\)/);
    assert.ok(cacheOf("other"), "the full bundle's copy");
    assert.equal(cacheOf("switch"), undefined, "the handed-off run kept no copy of the hot bundle");
  });

  test("a damaged copy is ignored and replaced, never run (V8 itself would crash on it)", () => {
    const file = join(codeDir, cacheOf("other") as string);
    const bytes = readFileSync(file);
    for (let i = 64; i < bytes.length; i += 997) bytes[i] = (bytes[i] ?? 0) ^ 0x5a;
    writeFileSync(file, bytes);
    const r = version();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
    assert.notDeepEqual(readFileSync(file), bytes, "the damaged copy was replaced");
    assert.equal(version().status, 0);
    writeFileSync(file, bytes.subarray(0, 40));
    assert.equal(version().stdout.trim(), VERSION);
  });

  test("other V8 flags: the caches are rejected by V8 and vsw runs as it would", () => {
    const r = version(home.env, ["--no-opt", "--max-lazy"]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
  });

  test("no usable cache directory: vsw runs and writes nothing", () => {
    const readOnly = join(home.dir, "ro-cache");
    mkdirSync(readOnly, { mode: 0o500 });
    chmodSync(readOnly, 0o500);
    for (const env of [
      { ...home.env, XDG_CACHE_HOME: readOnly },
      { ...home.env, XDG_CACHE_HOME: "relative/dir", HOME: "" },
    ]) {
      const r = version(env);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), VERSION);
    }
    // root ignores the mode; elsewhere the directory stays empty.
    if (process.getuid?.() !== 0) assert.deepEqual(readdirSync(readOnly), []);
    assert.equal(existsSync(join(process.cwd(), "relative")), false);
  });

  test("a switch's copy holds no secret of the session it handed out", async () => {
    const minted = await runVsw(["export", "dev", "--format", "json", "--mfa-token", world.code()], {
      env: home.env,
    });
    assert.equal(minted.code, 0, minted.stderr);
    const cached = await runVsw(["export", "dev", "--format", "json"], { env: home.env });
    assert.equal(cached.code, 0, cached.stderr);
    const { SecretAccessKey, SessionToken } = JSON.parse(cached.stdout) as Record<string, string>;
    const file = cacheOf("switch");
    assert.ok(file, "the switch's own copy");
    const bytes = readFileSync(join(codeDir, file));
    for (const secret of [SecretAccessKey, SessionToken, world.secretAccessKey]) {
      assert.ok(secret && secret.length > 20);
      assert.equal(bytes.includes(secret as string), false, "a secret is in the code cache");
    }
  });
});

test("an install without its bundle says so in one line, with exit 1", () => {
  const dir = mkdtempSync(join(tmpdir(), "vsw-broken-"));
  try {
    cpSync(VSW, join(dir, "vsw.cjs"));
    const r = spawnSync(process.execPath, [join(dir, "vsw.cjs"), "--version"], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^vsw: Could not read "[^"]*vsw-cli\.cjs" \(ENOENT\): this vsw installation is incomplete\. \(VSW_INSTALL_BROKEN\)\nhint: Reinstall vsw/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe("a hot command's early exit", () => {
  let world: World;
  let home: Home;
  before(async () => {
    ({ world, home } = await worldWithHome());
    const minted = await runVsw(["export", "dev", "--mfa-token", world.code()], { env: home.env });
    assert.equal(minted.code, 0, minted.stderr);
  });
  after(() => closeWorld(world, home));

  test("waits for a plugin's unfinished work (a timer, a write) before ending", async () => {
    const marker = join(home.dir, "written-late");
    const plugin = join(home.dir, "slow-writer.mjs");
    writeFileSync(
      plugin,
      `import { writeFileSync } from "node:fs";
export default {
  name: "slow-writer",
  apiVersion: "^1.0.0",
  apply(vsw) {
    vsw.hooks.credentials.tap("slow-writer", (credentials) => {
      setTimeout(() => writeFileSync(${JSON.stringify(marker)}, "done"), 150);
      return credentials;
    });
  },
};
`,
    );
    const r = await runVsw(["export", "dev", "--format", "env", "--plugin", plugin], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /AWS_SESSION_TOKEN/);
    assert.equal(existsSync(marker) && readFileSync(marker, "utf8"), "done");
  });

  test("keeps the exit code and everything said on stderr", async () => {
    const r = await runVsw(["export", "no-such-profile", "--format", "env"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /VSW_PROFILE_NOT_FOUND\)\nhint: /);
  });
});
