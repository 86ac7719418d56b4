/**
 * The security rules of issue 7, checked against the built `vsw` as an attacker would try them:
 * plugins from the working directory, the passphrase in children, orphaned stores, resource bounds.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  addBaseKeys,
  closeWorld,
  type Home,
  makeHome,
  PASSPHRASE,
  runVsw,
  startWorld,
  type World,
  worldWithHome,
} from "./helpers/harness.js";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

/** A package in `root/node_modules/name` whose import writes `marker`, exporting a no-op plugin. */
function writePackage(root: string, name: string, marker: string): void {
  const dir = join(root, "node_modules", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", main: "index.mjs" }));
  writeFileSync(
    join(dir, "index.mjs"),
    `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nexport default { name: ${JSON.stringify(name)}, apply() {} };\n`,
  );
}

describe("plugins never load from the working directory", () => {
  const home = makeHome();
  const cwd = mkdtempSync(join(tmpdir(), "vsw-clone-"));
  const marker = join(cwd, "marker");
  before(() => {
    writePackage(cwd, "evil-pkg", marker);
    writeFileSync(
      join(cwd, "x.mjs"),
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nexport default { name: "x", apply() {} };\n`,
    );
  });
  after(() => {
    home.cleanup();
    rmSync(cwd, { recursive: true, force: true });
  });

  test("a package name in VSW_PLUGINS is not resolved from the node_modules of the working directory", async () => {
    const r = await runVsw(["list"], { env: { ...home.env, VSW_PLUGINS: "evil-pkg" }, cwd });
    assert.equal(existsSync(marker), false, "the package in the working directory ran");
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Plugin "evil-pkg" could not be found\. \(VSW_PLUGIN_LOAD\)/);
  });

  test("Tab completion does not run a package from the working directory either", async () => {
    const r = await runVsw(["__complete", "--", "env", ""], {
      env: { ...home.env, VSW_PLUGINS: "evil-pkg" },
      cwd,
    });
    assert.equal(r.code, 0);
    assert.equal(existsSync(marker), false, "the package in the working directory ran");
  });

  test("a relative plugin path is refused with a hint naming the absolute path, and not run", async () => {
    for (const env of [{ ...home.env, VSW_PLUGINS: "./x.mjs" }, home.env]) {
      const args = env.VSW_PLUGINS ? ["list"] : ["list", "--plugin", "./x.mjs"];
      const r = await runVsw(args, { env, cwd });
      assert.equal(existsSync(marker), false, "the relative plugin ran");
      assert.equal(r.code, 1);
      assert.match(r.stderr, /Plugin "\.\/x\.mjs" is a relative path.*\(VSW_PLUGIN_LOAD\)/);
      assert.ok(r.stderr.includes(`--plugin "${join(cwd, "x.mjs")}"`), r.stderr);
    }
  });

  test("a package installed in VSW_PLUGIN_DIR loads, and so does an absolute path", async () => {
    const pluginDir = join(home.dir, "plugins");
    const loaded = join(home.dir, "loaded");
    writePackage(pluginDir, "team-pkg", loaded);
    const r = await runVsw(["list"], {
      env: { ...home.env, VSW_PLUGINS: "team-pkg", VSW_PLUGIN_DIR: pluginDir },
      cwd,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(loaded, "utf8"), "ran");
    rmSync(loaded);
    const byPath = await runVsw(["list", "--plugin", join(cwd, "x.mjs")], { env: home.env, cwd });
    assert.equal(byPath.code, 0, byPath.stderr);
    assert.equal(existsSync(marker), true);
    rmSync(marker);
  });

  test("the default plugin directory is $XDG_DATA_HOME/vsw/plugins", async () => {
    const loaded = join(home.dir, "loaded-default");
    writePackage(join(home.env.XDG_DATA_HOME as string, "vsw", "plugins"), "default-pkg", loaded);
    const r = await runVsw(["list"], { env: { ...home.env, VSW_PLUGINS: "default-pkg" }, cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(existsSync(loaded), true);
  });
});

describe("a broken plugin is named with its cause", () => {
  const home = makeHome();
  after(() => home.cleanup());
  const plugin = (name: string, text: string) => {
    const file = join(home.dir, name);
    writeFileSync(file, text);
    return file;
  };

  test("a factory that throws is VSW_PLUGIN_LOAD naming the plugin and the cause, without a stack", async () => {
    const file = plugin(
      "throws.mjs",
      `export default () => { throw new TypeError("no config for team"); };\n`,
    );
    const r = await runVsw(["list", "--plugin", file], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /Plugin ".*throws\.mjs" failed to load: TypeError: no config for team\. \(VSW_PLUGIN_LOAD\)|Plugin ".*throws\.mjs" failed to load: TypeError: no config for team \(VSW_PLUGIN_LOAD\)/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test("a syntax error is VSW_PLUGIN_LOAD naming the plugin", async () => {
    const file = plugin("syntax.mjs", "export default { name: 'x', apply( {} };\n");
    const r = await runVsw(["list", "--plugin", file], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Plugin ".*syntax\.mjs" failed to load: SyntaxError: .*\(VSW_PLUGIN_LOAD\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test("a plugin that never finishes loading times out with VSW_PLUGIN_LOAD, even while it keeps timers alive", async () => {
    const file = plugin(
      "hangs.mjs",
      "setInterval(() => {}, 1000);\nawait new Promise(() => {});\nexport default {};\n",
    );
    const r = await runVsw(["list", "--plugin", file], { env: { ...home.env, VSW_PLUGIN_TIMEOUT: "1" } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Plugin ".*hangs\.mjs" did not finish loading within 1 s\. \(VSW_PLUGIN_LOAD\)/);
  });

  test("an apply that throws is VSW_PLUGIN_LOAD naming the plugin", async () => {
    const file = plugin(
      "apply.mjs",
      `export default { name: "team", apply() { throw new Error("bad hook"); } };\n`,
    );
    const r = await runVsw(["list", "--plugin", file], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Plugin ".*apply\.mjs" failed in apply: bad hook \(VSW_PLUGIN_LOAD\)/);
  });
});

describe("no child inherits the keystore passphrase", () => {
  let world: World;
  let home: Home;
  before(async () => {
    ({ world, home } = await worldWithHome());
  });
  after(() => closeWorld(world, home));
  const seen = () => join(home.dir, `seen-${Math.random().toString(36).slice(2)}`);

  test("vsw exec's command does not get VSW_FILE_PASSPHRASE", async () => {
    const r = await runVsw(
      ["exec", "base", "--no-session", "--", "sh", "-c", "printenv VSW_FILE_PASSPHRASE; echo done"],
      {
        env: home.env,
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "done\n");
  });

  test("a credential_process does not get VSW_FILE_PASSPHRASE", async () => {
    const file = seen();
    const doc = JSON.stringify({ Version: 1, AccessKeyId: KEY, SecretAccessKey: SECRET });
    home.writeConfig(
      `${world.config}\n[profile proc]\ncredential_process = sh -c 'printenv VSW_FILE_PASSPHRASE > ${file}; echo '\\''${doc}'\\'''\n`,
    );
    const r = await runVsw(["export", "proc"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(file, "utf8"), "");
  });

  test("an mfa_process does not get VSW_FILE_PASSPHRASE", async () => {
    const file = seen();
    home.writeConfig(
      world.config.replace(
        "[profile base]\n",
        `[profile base]\nmfa_process = printenv VSW_FILE_PASSPHRASE > ${file}; echo ${world.code()}\n`,
      ),
    );
    const r = await runVsw(["env", "base"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(file, "utf8"), "");
  });

  test("VSW_FILE_PASSPHRASE_INHERIT=1 passes it on, to every kind of child alike", async () => {
    const r = await runVsw(["exec", "base", "--no-session", "--", "printenv", "VSW_FILE_PASSPHRASE"], {
      env: { ...home.env, VSW_FILE_PASSPHRASE_INHERIT: "1" },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `${PASSPHRASE}\n`);
  });
});

describe("a keystore without its store.json", () => {
  const home = makeHome();
  const dir = join(home.env.XDG_DATA_HOME as string, "vsw");
  const keys = { ...home.env, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET };
  after(() => home.cleanup());
  const snapshot = () => readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), "utf8")]);

  test("vsw add after store.json was deleted fails with VSW_KEYSTORE_ORPHANED and creates nothing", async () => {
    assert.equal((await runVsw(["add", "base", "--env"], { env: keys })).code, 0);
    rmSync(join(dir, "store.json"));
    const before = snapshot();
    const r = await runVsw(["add", "other", "--env"], { env: keys });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /has 1 item but no store\.json.*\(VSW_KEYSTORE_ORPHANED\)/);
    assert.match(r.stderr, /hint: Restore ".*store\.json" from a backup/);
    assert.deepEqual(snapshot(), before);
  });

  test("reading keys from an orphaned store says it is orphaned, not that the keys are missing", async () => {
    const r = await runVsw(["export", "base", "--no-session"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_KEYSTORE_ORPHANED\)/);
    assert.equal(existsSync(join(dir, "store.json")), false);
  });
});

describe("resource bounds", () => {
  const home = makeHome();
  after(() => home.cleanup());

  test("a config file that is /dev/zero, a directory, a FIFO or over 16 MiB is VSW_CONFIG_INVALID, not a hang", async () => {
    const fifo = join(home.dir, "fifo");
    spawnSync("mkfifo", [fifo]);
    const big = join(home.dir, "big");
    writeFileSync(big, "");
    truncateSync(big, 16 * 1024 * 1024 + 1);
    const cases: Array<[string, RegExp]> = [
      ["/dev/zero", /is not a regular file/],
      [home.dir, /is a directory/],
      [fifo, /is a pipe/],
      [big, /is larger than 16 MiB/],
    ];
    for (const [file, message] of cases) {
      for (const variable of ["AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"]) {
        const r = await runVsw(["list"], { env: { ...home.env, [variable]: file } });
        assert.equal(r.code, 1, `${variable}=${file}`);
        assert.match(r.stderr, message);
        assert.match(r.stderr, /\(VSW_CONFIG_INVALID\)/);
      }
    }
  });
});

describe("children that print without end", () => {
  let world: World;
  let home: Home;
  before(async () => {
    world = await startWorld();
    home = makeHome();
    await addBaseKeys(home, world);
  });
  after(async () => {
    await world.emu.close();
    home.cleanup();
  });

  test("a credential_process printing more than 1 MiB is stopped with VSW_CREDENTIAL_PROCESS_FAILED", async () => {
    home.writeConfig(`[profile flood]\ncredential_process = yes\n`);
    const r = await runVsw(["export", "flood"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /printed more than 1 MiB and was stopped\. \(VSW_CREDENTIAL_PROCESS_FAILED\)/);
  });

  test("an mfa_process printing without end is stopped with VSW_MFA_PROCESS_FAILED", async () => {
    home.writeConfig(world.config.replace("[profile base]\n", "[profile base]\nmfa_process = yes 123456\n"));
    const r = await runVsw(["env", "base"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /printed more than 64 KiB and was stopped\. \(VSW_MFA_PROCESS_FAILED\)/);
  });
});

describe("an STS endpoint that answers too much", () => {
  const home = makeHome();
  let server: Server;
  let url = "";
  let served = 0;
  before(async () => {
    const keys = { ...home.env, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET };
    assert.equal((await runVsw(["add", "flood", "--env"], { env: keys })).code, 0);
    server = createServer((request, response) => {
      served++;
      request.resume();
      if (request.url?.includes("declared")) {
        response.writeHead(200, { "content-type": "text/xml", "content-length": String(64 * 1024 * 1024) });
        response.write("<GetSessionTokenResponse>");
        return; // Never finishes: vsw must not wait for it.
      }
      // Chunked and endless: vsw must stop reading at the cap.
      response.writeHead(200, { "content-type": "text/xml" });
      const chunk = `<x>${"a".repeat(64 * 1024)}</x>`;
      const pump = () => {
        while (!response.destroyed && response.write(chunk));
        if (!response.destroyed) response.once("drain", pump);
      };
      response.write("<GetSessionTokenResponse>");
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    home.cleanup();
  });

  for (const [label, path] of [
    ["a streamed body", "/streamed"],
    ["a declared Content-Length", "/declared"],
  ]) {
    test(`a response over 1 MiB (${label}) is VSW_STS_ERROR naming the endpoint, not retried`, async () => {
      home.writeConfig(`[profile flood]\nendpoint_url = ${url}${path}\nregion = eu-west-1\n`);
      served = 0;
      const r = await runVsw(["export", "flood"], { env: home.env });
      assert.equal(r.code, 1);
      assert.match(
        r.stderr,
        /The STS endpoint ".*" answered with more than 1 MiB; vsw stopped reading\. \(VSW_STS_ERROR\)/,
      );
      assert.equal(served, 1);
    });
  }
});
