/**
 * The public plugin API, `vsw/plugin` (src/plugin.ts): what a team plugin relies on, and the rule
 * that vsw's own plugins use nothing else of the core.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import { assertApiVersion, satisfies } from "../src/core/api-version.js";
import { createVsw } from "../src/core/vsw.js";
import * as api from "../src/plugin.js";
import { type Home, makeHome, ROOT, runVsw } from "./helpers/harness.js";

/** Every .ts/.js/.mjs file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|js|mjs)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The module specifiers a file imports or re-exports, statically or with `import()`. */
function specifiers(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) {
    found.push(match[1] ?? "");
  }
  return found;
}

describe("vsw/plugin", () => {
  test('importing the package itself ("vsw") gives the plugin API and never runs the CLI', () => {
    // The package's own name resolves through its exports (self-reference), as in a plugin's project.
    const r = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        'const m = await import("vsw"); const p = await import("vsw/plugin"); console.log(typeof m.definePlugin, m === p)',
        "list",
      ],
      { cwd: ROOT, encoding: "utf8" },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "function true\n");
  });

  test("built-in plugins import only the public module, their own siblings, node: builtins and packages", () => {
    const pluginsDir = join(ROOT, "src", "plugins");
    const publicModule = join(ROOT, "src", "plugin.ts");
    const offenders: string[] = [];
    for (const file of sources(pluginsDir)) {
      for (const spec of specifiers(readFileSync(file, "utf8"))) {
        if (!spec.startsWith(".")) continue; // node: builtins and packages (lazily imported SDK).
        const target = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
        const inside = !relative(pluginsDir, target).startsWith("..");
        if (target !== publicModule && !inside) offenders.push(`${relative(ROOT, file)} imports ${spec}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  test("no code does arithmetic on a stage constant", () => {
    const offenders: string[] = [];
    for (const dir of ["src", "examples"]) {
      for (const file of sources(join(ROOT, dir))) {
        const text = readFileSync(file, "utf8");
        if (/STAGE_[A-Z]+\s*[-+*/]\s*\d|\d\s*[-+*/]\s*STAGE_[A-Z]+/.test(text))
          offenders.push(relative(ROOT, file));
      }
    }
    assert.deepEqual(offenders, []);
  });

  test("the public module exports definePlugin, apiVersion, the named stages and the error helpers", () => {
    for (const name of [
      "definePlugin",
      "apiVersion",
      "STAGE_POLICY",
      "STAGE_CACHE",
      "STAGE_DEFAULT",
      "STAGE_INTERACTIVE",
      "VswError",
      "isVswError",
      "VSW_ERROR_BRAND",
    ]) {
      assert.ok(name in api, `vsw/plugin exports ${name}`);
    }
    assert.ok(api.STAGE_POLICY < api.STAGE_CACHE && api.STAGE_CACHE < api.STAGE_DEFAULT);
    assert.ok(api.STAGE_DEFAULT < api.STAGE_INTERACTIVE);
  });

  test("definePlugin returns a plugin or a factory unchanged", () => {
    const plugin = { name: "p", apply() {} };
    const factory = (options?: { x: string }) => ({ name: options?.x ?? "f", apply() {} });
    assert.equal(api.definePlugin(plugin), plugin);
    assert.equal(api.definePlugin(factory), factory);
  });
});

describe("errors across copies of vsw/plugin", () => {
  test("an error from another copy of VswError is recognised by its brand, with its own code", () => {
    // What a plugin bundling its own copy of vsw/plugin throws: another class, the same brand.
    class OtherVswError extends Error {
      readonly code = "ACME_POLICY_DENIED";
      constructor(message: string) {
        super(message);
        Object.defineProperty(this, Symbol.for("vsw.error"), { value: true });
      }
    }
    const error = new OtherVswError('Profile "prod" needs VSW_REASON.');
    assert.ok(api.isVswError(error));
    assert.ok(api.isVswError(error, "ACME_POLICY_DENIED"));
    assert.ok(!api.isVswError(error, "VSW_PLUGIN_ERROR"));
  });

  test("an error with a code but no brand is not a VswError", () => {
    assert.ok(!api.isVswError(Object.assign(new Error("x"), { code: "ENOENT" })));
    assert.ok(!api.isVswError({ code: "VSW_USAGE" }));
  });

  test("a plugin's branded error keeps its own code and message through the hook interceptor", async () => {
    const vsw = createVsw({ env: {} });
    vsw.hooks.mfaToken.tapPromise("acme", async () => {
      throw Object.defineProperty(
        Object.assign(new Error("Denied by ACME."), { code: "ACME_DENIED" }),
        Symbol.for("vsw.error"),
        {
          value: true,
        },
      );
    });
    await assert.rejects(
      vsw.hooks.mfaToken.promise({ profile: "p", serial: "s", mfaProcess: null }),
      (error) => {
        assert.ok(api.isVswError(error, "ACME_DENIED"));
        assert.equal(error.message, "Denied by ACME.");
        assert.deepEqual(error.origin, { plugin: "acme", hook: "mfaToken" });
        return true;
      },
    );
  });

  test("VswError accepts a plugin's own code", () => {
    const error = new api.VswError("ACME_POLICY_DENIED", "Refused.");
    assert.equal(error.code, "ACME_POLICY_DENIED");
    assert.ok(api.isVswError(error, "ACME_POLICY_DENIED"));
  });
});

describe("apiVersion ranges", () => {
  const cases: Array<[string, string, boolean]> = [
    ["1.0.0", "^1.0.0", true],
    ["1.4.2", "^1.0.0", true],
    ["2.0.0", "^1.0.0", false],
    ["1.0.0", "^1.1.0", false],
    ["0.2.5", "^0.2.0", true],
    ["0.3.0", "^0.2.0", false],
    ["1.2.9", "~1.2.0", true],
    ["1.3.0", "~1.2.0", false],
    ["1.0.0", ">=1.0.0 <2.0.0", true],
    ["2.0.0", ">=1.0.0 <2.0.0", false],
    ["1.9.0", "1.x", true],
    ["2.0.0", "1", false],
    ["2.1.0", "^1.0.0 || ^2.0.0", true],
    ["1.0.0", "*", true],
    ["1.0.0", "1.0.0", true],
    ["1.0.1", "1.0.0", false],
    ["1.2.0", "1.0.0 - 1.2.0", true],
    ["1.2.9", "1.0.0 - 1.2", true],
    ["1.3.0", "1.0.0 - 1.2.0", false],
  ];
  for (const [version, range, expected] of cases) {
    test(`${version} ${expected ? "satisfies" : "does not satisfy"} "${range}"`, () => {
      assert.equal(satisfies(version, range), expected);
    });
  }

  test("a range that is not semver is not read", () => {
    assert.equal(satisfies("1.0.0", "latest"), undefined);
    assert.equal(satisfies("1.0.0", "^1.0.0-beta"), undefined);
  });

  test("a plugin needing another API major fails with VSW_PLUGIN_API naming both versions", () => {
    assert.throws(
      () => assertApiVersion({ name: "future", apiVersion: "^2.0.0" }, "/x/future.mjs"),
      (error: unknown) =>
        api.isVswError(error, "VSW_PLUGIN_API") &&
        error.message.includes('"^2.0.0"') &&
        error.message.includes(api.apiVersion),
    );
  });

  test("a plugin declaring no apiVersion is accepted", () => {
    assert.doesNotThrow(() => assertApiVersion({ name: "old" }, "old"));
  });
});

describe("team plugins loaded by the built vsw", () => {
  let home: Home;
  let dir: string;
  before(() => {
    home = makeHome();
    dir = mkdtempSync(join(tmpdir(), "vsw-plugin-api-"));
  });
  after(() => {
    home.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a plugin needing another plugin API stops vsw with VSW_PLUGIN_API before its apply runs", async () => {
    const marker = join(dir, "applied");
    const file = join(dir, "future.mjs");
    writeFileSync(
      file,
      `import { writeFileSync } from "node:fs";
export default { name: "future", apiVersion: "^2.0.0", apply() { writeFileSync(${JSON.stringify(marker)}, "x"); } };
`,
    );
    const r = await runVsw(["list", "--plugin", file], { env: home.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /\(VSW_PLUGIN_API\)/);
    assert.match(r.stderr, /"\^2\.0\.0"/);
    assert.match(r.stderr, new RegExp(`plugin API ${api.apiVersion.replaceAll(".", "\\.")}`));
    assert.ok(!existsSync(marker), "apply must not run");
  });

  test("a plugin's own branded error, made without importing vsw, keeps its code and message", async () => {
    const file = join(dir, "acme.mjs");
    writeFileSync(
      file,
      `const denied = () => Object.assign(new Error('Profile "dev" is closed on Sundays.'), {
  code: "ACME_CLOSED",
  hint: "Come back on Monday.",
  [Symbol.for("vsw.error")]: true,
});
export default {
  name: "acme",
  apply(vsw) {
    vsw.hooks.loadConfig.tapPromise("acme", async () => { throw denied(); });
  },
};
`,
    );
    const r = await runVsw(["export", "dev", "--plugin", file], { env: home.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Profile "dev" is closed on Sundays\. \(ACME_CLOSED\)/);
    assert.match(r.stderr, /hint: Come back on Monday\./);
    assert.doesNotMatch(r.stderr, /VSW_PLUGIN_ERROR/);
  });

  test("a single plugin file with no vsw beside it imports vsw/plugin from the vsw that runs it", async () => {
    const file = join(dir, "lone.mjs");
    writeFileSync(
      file,
      `import { apiVersion, definePlugin, VswError } from "vsw/plugin";
export default definePlugin({
  name: "lone",
  apiVersion: "^1.0.0",
  apply(vsw) {
    vsw.hooks.loadConfig.tapPromise("lone", async () => {
      throw new VswError("LONE_REFUSED", \`Refused by a plugin built against plugin API \${apiVersion}.\`);
    });
  },
});
`,
    );
    const r = await runVsw(["export", "dev", "--plugin", file], { env: home.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`against plugin API ${api.apiVersion.replaceAll(".", "\\.")}\\. \\(LONE_REFUSED\\)`),
    );
  });

  test("--plugin before the command takes one value, not the command after it", async () => {
    const r = await runVsw(["--plugin", join(dir, "acme.mjs"), "export", "dev"], { env: home.env });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /\(ACME_CLOSED\)/);
  });
});
