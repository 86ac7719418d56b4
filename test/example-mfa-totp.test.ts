/**
 * The MFA-source example (examples/mfa-totp), installed the way a team would — a plugin file in a
 * project that has vsw installed, and `npm pack` + `npm install` of vsw and the example in a
 * temporary directory — and run end to end through the built `vsw` against the STS emulator. Also:
 * the example type-checks against the shipped `dist/plugin.d.ts`, and a plugin that misuses the
 * API does not.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { encodeName } from "../src/plugins/keystore/file-names.js";
import {
  addBaseKeys,
  type Home,
  MFA_SECRET,
  MFA_SERIAL,
  makeHome,
  ROOT,
  run,
  runVsw,
  startWorld,
  type World,
} from "./helpers/harness.js";
import { type Installed, installPackages, packDirectory, packVsw } from "./helpers/plugin-install.js";

const EXAMPLE = join(ROOT, "examples", "mfa-totp");
const PACKAGE = "vsw-example-mfa-totp";

/** A project with vsw installed (node_modules/vsw → the checkout) and the example copied in as a file. */
function projectWithPluginFile(root: string): string {
  mkdirSync(join(root, "node_modules"), { recursive: true });
  symlinkSync(ROOT, join(root, "node_modules", "vsw"), "dir");
  cpSync(EXAMPLE, join(root, "plugins", "mfa-totp"), { recursive: true });
  return join(root, "plugins", "mfa-totp", "index.mjs");
}

/** A fresh HOME in the emulator's world with base's keys stored; no TTY, so no prompt can answer. */
async function worldHome(world: World): Promise<Home> {
  const home = makeHome();
  home.writeConfig(world.config);
  await addBaseKeys(home, world);
  return home;
}

describe("the MFA-source example as a plugin file", () => {
  let world: World;
  let home: Home;
  let root: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    world = await startWorld();
    home = await worldHome(world);
    root = mkdtempSync(join(tmpdir(), "vsw-mfa-totp-"));
    env = { ...home.env, VSW_PLUGINS: projectWithPluginFile(root) };
  });
  after(async () => {
    home.cleanup();
    rmSync(root, { recursive: true, force: true });
    await world.emu.close();
  });

  test("a device without a stored seed is not the plugin's: MFA is still required, STS is not called", async () => {
    world.emu.resetCalls();
    const r = await runVsw(["export", "dev", "--format", "json"], { env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /\(VSW_MFA_REQUIRED\)/);
    assert.equal(world.emu.calls.length, 0);
  });

  test("a seed that is not base32 is refused with the plugin's own code and message", async () => {
    const r = await runVsw(["totp-seed", MFA_SERIAL], { env, input: "not a seed!\n" });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /The seed for "arn:aws:iam::111111111111:mfa\/me" on stdin is not a base32/);
    assert.match(r.stderr, /\(TOTP_SEED_INVALID\)/);
    assert.doesNotMatch(r.stderr, /VSW_PLUGIN_ERROR/);
  });

  test("with the seed stored, a role's session is minted with a code from the seed, no prompt", async () => {
    const stored = await runVsw(["totp-seed", MFA_SERIAL], { env, input: `${MFA_SECRET}\n` });
    assert.equal(stored.code, 0, stored.stderr);
    assert.doesNotMatch(stored.stderr + stored.stdout, new RegExp(MFA_SECRET));
    world.emu.resetCalls();
    const r = await runVsw(["export", "dev", "--format", "json"], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(world.emu.successCount("GetSessionToken"), 1);
    assert.equal(world.emu.successCount("AssumeRole"), 1);
    const document = JSON.parse(r.stdout) as { AccessKeyId: string };
    assert.match(world.emu.session(document.AccessKeyId)?.arn ?? "", /:assumed-role\/dev\//);
  });

  test("vsw plugins lists the example with its version and the hooks it taps", async () => {
    const r = await runVsw(["plugins", "--json"], { env });
    assert.equal(r.code, 0, r.stderr);
    const listed = (JSON.parse(r.stdout) as Array<{ name: string; version?: string; hooks: string[] }>).find(
      (plugin) => plugin.name === "mfa-totp-example",
    );
    assert.ok(listed, r.stdout);
    assert.equal(listed.version, "1.0.0");
    assert.ok(listed.hooks.includes("mfaToken"), JSON.stringify(listed));
    assert.ok(listed.hooks.includes("commands"), JSON.stringify(listed));
  });
});

describe("the MFA-source example installed with npm", () => {
  let world: World;
  let home: Home;
  let installed: Installed;

  before(async () => {
    world = await startWorld();
    home = await worldHome(world);
    installed = installPackages([packVsw(), packDirectory(EXAMPLE)]);
  });
  after(async () => {
    home.cleanup();
    installed.cleanup();
    await world.emu.close();
  });

  test("the installed vsw loads the package named in the vsw config and gets MFA codes from it", async () => {
    // The package resolves from the vsw config's directory (~/.config/vsw/node_modules).
    const configDir = join(home.env.XDG_CONFIG_HOME as string, "vsw");
    mkdirSync(configDir, { recursive: true });
    cpSync(join(installed.dir, "node_modules"), join(configDir, "node_modules"), { recursive: true });
    writeFileSync(
      join(configDir, "config"),
      `[plugins]\ntotp = ${PACKAGE}\n\n[plugin totp]\nprefix = team/\n`,
    );
    const vsw = join(configDir, "node_modules", "vsw", "dist", "vsw.cjs");
    const stored = await run(process.execPath, [vsw, "totp-seed", MFA_SERIAL], {
      env: home.env,
      input: `${MFA_SECRET}\n`,
    });
    assert.equal(stored.code, 0, stored.stderr);
    world.emu.resetCalls();
    const r = await run(process.execPath, [vsw, "export", "prod", "--format", "json"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(world.emu.successCount("GetSessionToken"), 1);
    // The [plugin totp] option reached the factory: the seed item carries the configured prefix.
    const item = join(home.env.XDG_DATA_HOME as string, "vsw", `${encodeName(`team/${MFA_SERIAL}`)}.item`);
    assert.ok(existsSync(item), item);
  });

  test("the example type-checks against the shipped dist/plugin.d.ts", () => {
    const dir = typeCheckProject(installed, "index.mjs");
    const r = tsc(dir);
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  test("a plugin that misuses the API does not type-check against the shipped types", () => {
    const dir = typeCheckProject(installed, "wrong.mjs");
    writeFileSync(
      join(dir, "wrong.mjs"),
      `// @ts-check
import { definePlugin, STAGE_DEFAULT } from "vsw/plugin";
export default definePlugin({
  name: "wrong",
  apply(vsw) {
    vsw.hooks.mfaToken.tapPromise({ name: "wrong", stage: STAGE_DEFAULT }, async (request) => request.serial.length);
    vsw.hooks.noSuchHook.tap("wrong", () => {});
  },
});
`,
    );
    const r = tsc(dir);
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /wrong\.mjs\(6,/); // an MFA code is a string, not a number
    assert.match(r.stdout, /wrong\.mjs\(7,.*noSuchHook/);
  });
});

/**
 * A TypeScript project in the install directory checking `file` (JS with // @ts-check) the way a
 * plugin author's editor does: NodeNext resolution of `vsw/plugin` through package.json exports.
 */
function typeCheckProject(installed: Installed, file: string): string {
  const dir = mkdtempSync(join(installed.dir, "check-"));
  cpSync(join(EXAMPLE, "index.mjs"), join(dir, "index.mjs"));
  // The plugin author's own dev dependency: Node's types (from the checkout, as npm would install them).
  for (const name of ["@types/node", "undici-types"]) {
    mkdirSync(dirname(join(installed.dir, "node_modules", name)), { recursive: true });
    cpSync(join(ROOT, "node_modules", name), join(installed.dir, "node_modules", name), { recursive: true });
  }
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        allowJs: true,
        checkJs: true,
        noEmit: true,
        types: ["node"],
      },
      files: [file],
    }),
  );
  return dir;
}

function tsc(dir: string) {
  const bin = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  return spawnSync(process.execPath, [bin, "-p", dir], { encoding: "utf8" });
}
