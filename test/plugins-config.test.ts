/**
 * Loading team plugins from the vsw config file (`$XDG_CONFIG_HOME/vsw/config`) with their options,
 * where specifiers resolve from, failing closed, and `vsw plugins` listing what was loaded. Against
 * the built `vsw`.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parseFast } from "../src/cli/fast.js";
import { parseVswConfig } from "../src/cli/plugin-config.js";
import { type Home, makeHome, runVsw } from "./helpers/harness.js";

/** A plugin module that records the options its factory got in `marker` and taps `format.NAME`. */
function pluginSource(name: string, marker: string, version = ""): string {
  return `import { writeFileSync } from "node:fs";
export default (options) => {
  writeFileSync(${JSON.stringify(marker)}, JSON.stringify(options));
  return {
    name: ${JSON.stringify(name)},${version ? `\n    version: ${JSON.stringify(version)},` : ""}
    apply(vsw) {
      vsw.hooks.format.for(${JSON.stringify(name)}).tap(${JSON.stringify(name)}, () => "x\\n");
    },
  };
};
`;
}

/** Writes a package `name` into `root/node_modules`. */
function writePackage(root: string, name: string, marker: string, version: string): void {
  const dir = join(root, "node_modules", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name, version, type: "module", main: "index.mjs" }),
  );
  writeFileSync(join(dir, "index.mjs"), pluginSource(name, marker));
}

interface Listed {
  name: string;
  version: string | null;
  from: string;
  spec: string | null;
  file: string | null;
  config: { file: string; label: string } | null;
  hooks: string[];
}

describe("the vsw config file", () => {
  let home: Home;
  let configDir: string;
  let configFile: string;
  before(() => {
    home = makeHome();
    configDir = join(home.env.XDG_CONFIG_HOME as string, "vsw");
    configFile = join(configDir, "config");
    mkdirSync(configDir, { recursive: true });
  });
  after(() => home?.cleanup());

  test("a [plugins] path is relative to the config file, and its [plugin NAME] options reach the factory", async () => {
    const marker = join(home.dir, "options-rel.json");
    mkdirSync(join(configDir, "local"), { recursive: true });
    writeFileSync(join(configDir, "local", "team.mjs"), pluginSource("team", marker));
    // A file of the same name in the working directory must not be the one loaded.
    const cwd = mkdtempSync(join(home.dir, "cwd-"));
    mkdirSync(join(cwd, "local"));
    writeFileSync(join(cwd, "local", "team.mjs"), pluginSource("impostor", join(home.dir, "impostor")));
    writeFileSync(
      configFile,
      "# team plugins\n[plugins]\nteam = ./local/team.mjs\n\n[plugin team]\ngreeting = hello world\nlevel=3\n",
    );
    const r = await runVsw(["plugins", "--json"], { env: home.env, cwd });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(readFileSync(marker, "utf8")), { greeting: "hello world", level: "3" });
    const team = (JSON.parse(r.stdout) as Listed[]).find((p) => p.name === "team");
    assert.deepEqual(team, {
      name: "team",
      version: null,
      from: "config",
      spec: "./local/team.mjs",
      file: join(configDir, "local", "team.mjs"),
      config: { file: configFile, label: "team" },
      hooks: ["format.team"],
    });
  });

  test("a package resolves from the config file's directory before VSW_PLUGIN_DIR", async () => {
    const pluginDir = join(home.dir, "plugin-dir");
    writePackage(configDir, "team-pkg", join(home.dir, "from-config"), "2.0.0");
    writePackage(pluginDir, "team-pkg", join(home.dir, "from-plugin-dir"), "1.0.0");
    writeFileSync(configFile, "[plugins]\npkg = team-pkg\n");
    const r = await runVsw(["plugins", "--json"], { env: { ...home.env, VSW_PLUGIN_DIR: pluginDir } });
    assert.equal(r.code, 0, r.stderr);
    const pkg = (JSON.parse(r.stdout) as Listed[]).find((p) => p.name === "team-pkg");
    assert.equal(pkg?.file, join(configDir, "node_modules", "team-pkg", "index.mjs"));
    assert.equal(pkg?.version, "2.0.0");
  });

  test("a package not in the config's directory resolves from VSW_PLUGIN_DIR", async () => {
    const pluginDir = join(home.dir, "plugin-dir-2");
    writePackage(pluginDir, "other-pkg", join(home.dir, "other"), "1.4.0");
    writeFileSync(configFile, "[plugins]\nother = other-pkg\n");
    const r = await runVsw(["plugins", "--json"], { env: { ...home.env, VSW_PLUGIN_DIR: pluginDir } });
    assert.equal(r.code, 0, r.stderr);
    const pkg = (JSON.parse(r.stdout) as Listed[]).find((p) => p.name === "other-pkg");
    assert.equal(pkg?.file, join(pluginDir, "node_modules", "other-pkg", "index.mjs"));
  });

  test("a plugin in the config file that fails to load stops every command, naming the specifier and the cause", async () => {
    writeFileSync(join(configDir, "broken.mjs"), "throw new Error('no policy server');\n");
    writeFileSync(configFile, "[plugins]\npolicy = ./broken.mjs\n");
    for (const args of [["list"], ["env", "dev"], ["plugins"]]) {
      const r = await runVsw(args, { env: home.env });
      assert.equal(r.code, 1, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /\(VSW_PLUGIN_LOAD\)/);
      assert.ok(r.stderr.includes('Plugin "./broken.mjs" failed to load: no policy server'), r.stderr);
      assert.equal(r.stdout, "");
    }
  });

  test("a config file naming a plugin that is not installed is VSW_PLUGIN_LOAD", async () => {
    writeFileSync(configFile, "[plugins]\nmissing = vsw-not-installed\n");
    const r = await runVsw(["list"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Plugin "vsw-not-installed" could not be found\..*\(VSW_PLUGIN_LOAD\)/s);
  });

  test("options for a plugin that [plugins] does not list are VSW_CONFIG_INVALID naming the line", async () => {
    writeFileSync(configFile, "[plugins]\n\n[plugin polcy]\nhours = 08-18\n");
    const r = await runVsw(["list"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /line 3: "\[plugin polcy\]" has options for a plugin that \[plugins\] does not list/,
    );
    assert.match(r.stderr, /\(VSW_CONFIG_INVALID\)/);
  });
});

describe("parsing the vsw config file", () => {
  const codeOf = (text: string) => {
    try {
      parseVswConfig(text, "/c");
      return "ok";
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  test("an unknown section, a line before any section, a bare word and a duplicate are VSW_CONFIG_INVALID", () => {
    for (const text of [
      "[plugin]\n",
      "[settings]\n",
      "a = b\n[plugins]\n",
      "[plugins]\n./x.mjs\n",
      "[plugins]\na = ./x.mjs\na = ./y.mjs\n",
      "[plugins]\na =\n",
      "[plugins]\na = x\n[plugin a]\nk = 1\nk = 2\n",
    ]) {
      assert.equal(codeOf(text), "VSW_CONFIG_INVALID", text);
    }
  });

  test("comments, blank lines, spaces around = and an option named __proto__ are read as written", () => {
    const parsed = parseVswConfig(
      "; c\n# c\n[plugins]\n a  =  pkg-a \n[ plugin a ]\n__proto__ = x\nurl = https://e.example/?a=b\n",
      "/c",
    );
    assert.deepEqual(
      parsed.plugins.map((p) => ({ ...p, options: { ...p.options } })),
      [{ label: "a", spec: "pkg-a", options: { ["__proto__"]: "x", url: "https://e.example/?a=b" } }],
    );
  });
});

describe("vsw plugins", () => {
  let home: Home;
  before(() => {
    home = makeHome();
  });
  after(() => home?.cleanup());

  test("lists the built-ins with the hooks they tap, then --plugin and VSW_PLUGINS plugins with their version", async () => {
    const flag = join(home.dir, "flag.mjs");
    const env = join(home.dir, "env.mjs");
    writeFileSync(flag, pluginSource("from-flag", join(home.dir, "m1"), "3.1.4"));
    writeFileSync(env, pluginSource("from-env", join(home.dir, "m2")));
    const r = await runVsw(["plugins", "--json", "--plugin", flag], {
      env: { ...home.env, VSW_PLUGINS: env },
    });
    assert.equal(r.code, 0, r.stderr);
    const listed = JSON.parse(r.stdout) as Listed[];
    const builtins = listed.filter((p) => p.from === "built-in");
    assert.ok(
      builtins.some((p) => p.name === "config-aws" && p.hooks.includes("loadConfig")),
      r.stdout,
    );
    assert.ok(
      builtins.some((p) => p.hooks.includes("format.env")),
      r.stdout,
    );
    assert.deepEqual(
      listed.filter((p) => p.from !== "built-in").map((p) => [p.name, p.from, p.version, p.hooks]),
      [
        ["from-env", "VSW_PLUGINS", null, ["format.from-env"]],
        ["from-flag", "--plugin", "3.1.4", ["format.from-flag"]],
      ],
    );
  });

  test("prints a table with a header and one row per plugin", async () => {
    const flag = join(home.dir, "table.mjs");
    writeFileSync(flag, pluginSource("tabled", join(home.dir, "m3"), "0.9.0"));
    const r = await runVsw(["plugins", "--plugin", flag], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0] as string, /^NAME\s+VERSION\s+FROM\s+HOOKS$/);
    assert.match(
      lines.at(-1) as string,
      new RegExp(`^tabled\\s+0\\.9\\.0\\s+--plugin ${flag}\\s+format\\.tabled$`),
    );
  });
});

describe("--plugin on the fast path", () => {
  test("vsw env and export with --plugin (repeatable) take the fast path, not yargs", () => {
    assert.deepEqual(parseFast(["env", "dev", "--plugin", "/a.mjs", "--plugin=/b.mjs"]), {
      name: "env",
      args: { plugin: ["/a.mjs", "/b.mjs"], profile: "dev" },
    });
    assert.equal(parseFast(["export", "dev", "--plugin", "/a.mjs"])?.name, "export");
  });
});
