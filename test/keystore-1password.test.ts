/**
 * The 1Password keystore example (examples/keystore-1password), installed the way a team would (a
 * plugin file beside a project that has vsw installed, and `npm pack` + `npm install` of both
 * packages in a temporary directory) and driven end to end through the built
 * `vsw` against the STS emulator, with a stand-in `op` on PATH that keeps its items in a JSON file
 * and fails the way the real CLI does.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Home, makeHome, ROOT, run, runVsw, startWorld, type World } from "./helpers/harness.js";
import { installPackages, packDirectory, packVsw } from "./helpers/plugin-install.js";

const EXAMPLE = join(ROOT, "examples", "keystore-1password");

interface OpStandIn {
  dir: string;
  /** The argv of every op call so far. */
  calls(): string[][];
  items(): { id: string; title: string; tags: string[]; fields: { value: string }[] }[];
}

/** A project directory with vsw installed (node_modules/vsw) and the example copied in as a plugin file. */
function installAsFile(root: string): string {
  mkdirSync(join(root, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(root, "node_modules", "vsw"), "dir");
  const plugin = join(root, "plugins", "keystore-1password");
  cpSync(EXAMPLE, plugin, { recursive: true });
  return join(plugin, "index.mjs");
}

function standIn(root: string): OpStandIn {
  const dir = join(root, "op-state");
  mkdirSync(dir);
  return {
    dir,
    calls: () =>
      readFileSync(join(dir, "calls.log"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[]),
    items: () => (JSON.parse(readFileSync(join(dir, "db.json"), "utf8")) as { items: [] }).items,
  };
}

describe("the 1Password keystore example", () => {
  let world: World;
  let home: Home;
  let root: string;
  let op: OpStandIn;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    world = await startWorld();
    root = mkdtempSync(join(tmpdir(), "vsw-1password-"));
    const pluginFile = installAsFile(root);
    op = standIn(root);
    home = makeHome();
    home.writeConfig(world.config);
    env = {
      ...home.env,
      PATH: `${join(EXAMPLE, "test")}${delimiter}${home.env.PATH ?? ""}`,
      OP_STANDIN_DIR: op.dir,
      VSW_PLUGINS: pluginFile,
      VSW_KEYSTORE: "1password",
    };
    // The file keystore must not be what answers: no passphrase to fall back on.
    delete env.VSW_FILE_PASSPHRASE;
  });
  after(async () => {
    home.cleanup();
    rmSync(root, { recursive: true, force: true });
    await world.emu.close();
  });

  test("vsw add stores the keys as a 1Password item, the secret through stdin and never in argv", async () => {
    const r = await runVsw(["add", "base", "--env"], {
      env: { ...env, AWS_ACCESS_KEY_ID: world.accessKeyId, AWS_SECRET_ACCESS_KEY: world.secretAccessKey },
    });
    assert.equal(r.code, 0, r.stderr);
    const items = op.items();
    assert.deepEqual(
      items.map((item) => item.title),
      ["keys/base"],
    );
    assert.ok((items[0]?.fields[0]?.value ?? "").includes(world.secretAccessKey), "the item holds the keys");
    assert.ok(
      !JSON.stringify(op.calls()).includes(world.secretAccessKey),
      "the secret key never appeared in op's argv",
    );
  });

  test("vsw exec mints dev's session from the stored keys, and a second run is a cache hit in 1Password", async () => {
    world.emu.resetCalls();
    const first = await runVsw(
      [
        "exec",
        "dev",
        "--mfa-token",
        world.code(),
        "--",
        process.execPath,
        "-e",
        "console.log(process.env.AWS_SESSION_TOKEN ? 'ok' : 'none')",
      ],
      { env },
    );
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim(), "ok");
    const minted = world.emu.calls.length;
    assert.ok(minted >= 2, "GetSessionToken and AssumeRole were called");
    const second = await runVsw(["export", "dev", "--format", "json"], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.equal(world.emu.calls.length, minted, "no STS call on a cached session");
    const sessions = op.items().filter((item) => item.title.startsWith("session/"));
    assert.ok(sessions.length >= 2);
    assert.ok(sessions.every((item) => item.tags.some((tag) => /^vsw-expires-\d+$/.test(tag))));
  });

  test("vsw list shows items and expiry from op item list without revealing any value", async () => {
    const before = op.calls().length;
    const r = await runVsw(["list"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /base/);
    const calls = op.calls().slice(before);
    assert.ok(calls.length > 0);
    assert.ok(!calls.some((argv) => argv.includes("--reveal")), JSON.stringify(calls));
  });

  test("vsw --debug attributes the keystore calls to the plugin", async () => {
    const r = await runVsw(["list", "--debug"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /keystore\.list → keystore-1password/);
  });

  test("a signed-out op fails with the plugin's own code and op's reason, attributed to the plugin", async () => {
    writeFileSync(join(op.dir, "signed-out"), "");
    try {
      const r = await runVsw(["list", "--debug"], { env });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not signed in.*\(ONEPASSWORD_SIGNED_OUT\)/);
      assert.match(r.stderr, /in plugin "keystore-1password", hook "keystore\.list"/);
    } finally {
      rmSync(join(op.dir, "signed-out"));
    }
  });

  test("a vault that does not exist is ONEPASSWORD_NO_VAULT naming it", async () => {
    const r = await runVsw(["list"], { env: { ...env, VSW_1PASSWORD_VAULT: "Nope" } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /vault "Nope" does not exist.*\(ONEPASSWORD_NO_VAULT\)/);
  });

  test("op missing from PATH is ONEPASSWORD_CLI_MISSING", async () => {
    const r = await runVsw(["list"], { env: { ...env, PATH: home.env.PATH ?? "" } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(ONEPASSWORD_CLI_MISSING\)/);
  });

  test("replacing a value edits the item in place (same id, value through stdin); vsw remove deletes it", async () => {
    const before = op.items().find((item) => item.title === "keys/base");
    const again = await runVsw(["add", "base", "--env", "--force"], {
      env: { ...env, AWS_ACCESS_KEY_ID: world.accessKeyId, AWS_SECRET_ACCESS_KEY: world.secretAccessKey },
    });
    assert.equal(again.code, 0, again.stderr);
    const copies = op.items().filter((item) => item.title === "keys/base");
    assert.deepEqual(
      copies.map((item) => item.id),
      [before?.id],
    );
    assert.ok(op.calls().some((argv) => argv[0] === "item" && argv[1] === "edit"));
    assert.ok(!JSON.stringify(op.calls()).includes(world.secretAccessKey));
    const removed = await runVsw(["remove", "base", "--force"], { env });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(op.items().filter((item) => item.title === "keys/base").length, 0);
  });
});

describe("the 1Password keystore example installed with npm", () => {
  test("npm install of the packed vsw and example: vsw plugins lists it, and dev's session is minted and cached in 1Password", async (t) => {
    const installed = installPackages([packVsw(), packDirectory(EXAMPLE)]);
    const world = await startWorld();
    const home = makeHome();
    const root = mkdtempSync(join(tmpdir(), "vsw-1password-npm-"));
    t.after(async () => {
      installed.cleanup();
      home.cleanup();
      rmSync(root, { recursive: true, force: true });
      await world.emu.close();
    });
    const op = standIn(root);
    home.writeConfig(world.config);
    const env: NodeJS.ProcessEnv = {
      ...home.env,
      PATH: `${join(EXAMPLE, "test")}${delimiter}${home.env.PATH ?? ""}`,
      OP_STANDIN_DIR: op.dir,
      VSW_PLUGIN_DIR: installed.dir,
      VSW_PLUGINS: "vsw-keystore-1password",
      VSW_KEYSTORE: "1password",
    };
    delete env.VSW_FILE_PASSPHRASE;
    const vsw = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
      run(process.execPath, [installed.vsw, ...args], { env: { ...env, ...extra } });

    const listed = await vsw(["plugins", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const record = (
      JSON.parse(listed.stdout) as { name: string; version: string | null; hooks: string[] }[]
    ).find((plugin) => plugin.name === "keystore-1password");
    assert.equal(record?.version, "0.1.0");
    assert.ok(record?.hooks.includes("keystore"));

    const add = await vsw(["add", "base", "--env"], {
      AWS_ACCESS_KEY_ID: world.accessKeyId,
      AWS_SECRET_ACCESS_KEY: world.secretAccessKey,
    });
    assert.equal(add.code, 0, add.stderr);
    const first = await vsw(["export", "dev", "--format", "json", "--mfa-token", world.code()]);
    assert.equal(first.code, 0, first.stderr);
    const minted = world.emu.calls.length;
    const second = await vsw(["export", "dev", "--format", "json"]);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(world.emu.calls.length, minted, "the second export is a cache hit");
    assert.ok(op.items().some((item) => item.title.startsWith("session/")));
  });
});
