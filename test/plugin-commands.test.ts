/**
 * Plugins that extend the CLI grammar: a command of their own (the `commands` hook) in `--help`, in
 * completion and run with its words and flags; an output format in `--format` completion. The
 * github-actions example is installed as a team would: a file next to the vsw config, and `npm pack`
 * + `npm install`. Against the built `vsw`.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Home, makeHome, ROOT, run, runVsw } from "./helpers/harness.js";
import { type Installed, installPackages, packDirectory, packVsw } from "./helpers/plugin-install.js";

const KEY = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const EXAMPLE = join(ROOT, "examples", "format-github-actions");

/** A plugin adding `vsw hello`, which prints what it was given, or throws when told to. */
const HELLO = `export default () => ({ name: "hello-plugin", apply(vsw) {
  vsw.hooks.commands.tap("hello-plugin", (list) => [...list, {
    name: "hello",
    describe: "Say hello from a plugin",
    help: "Say hello from a plugin, or shout it (--loud)",
    examples: [["vsw hello dev --loud", "Shout hello to dev"]],
    positionals: ["profile"],
    flags: { "--loud": { describe: "Shout" }, "--name": { describe: "Who to greet", value: "free" } },
    run(args) {
      if (args.flags.name === "own") { const e = new Error("acme says no"); e.code = "ACME_DENIED"; throw Object.assign(e, { [Symbol.for("vsw.error")]: true }); }
      if (args.flags.name === "bug") throw new TypeError("x is undefined");
      process.stdout.write(JSON.stringify(args) + "\\n");
    },
  }]);
} });
`;

/** The completion candidates `vsw __complete -- WORDS…` prints (names only). */
async function candidates(home: Home, ...words: string[]): Promise<string[]> {
  const r = await runVsw(["__complete", "--", ...words], { env: home.env });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout
    .split("\n")
    .slice(1)
    .filter(Boolean)
    .map((line) => line.split("\t")[0] as string);
}

describe("a plugin's own command", () => {
  let home: Home;
  let plugin: string;
  before(() => {
    home = makeHome();
    plugin = join(home.dir, "hello.mjs");
    writeFileSync(plugin, HELLO);
    home.env.VSW_PLUGINS = plugin;
  });
  after(() => home?.cleanup());

  test("is listed by vsw --help", async () => {
    const r = await runVsw(["--help"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /vsw hello \[args\.\.\]\s+Say hello from a plugin, or shout it \(--loud\)/);
  });

  test("its --help shows its long description and examples (help and examples of the CommandSpec)", async () => {
    const r = await runVsw(["hello", "--help"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Say hello from a plugin, or shout it \(--loud\)$/m);
    assert.match(r.stdout, /Examples:\n\s+vsw hello dev --loud\s+Shout hello to dev/);
  });

  test("runs with its positionals and flags", async () => {
    const r = await runVsw(["hello", "dev", "--loud", "--name", "Ada", "--", "-x"], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      positionals: ["dev", "-x"],
      flags: { loud: true, name: "Ada" },
    });
  });

  test("an unknown flag of the command is a usage error", async () => {
    const r = await runVsw(["hello", "--nope"], { env: home.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\(VSW_USAGE\)/);
  });

  test("its own branded error keeps its code; any other error names the plugin", async () => {
    const own = await runVsw(["hello", "--name", "own"], { env: home.env });
    assert.equal(own.code, 1);
    assert.match(own.stderr, /acme says no \(ACME_DENIED\)/);
    const bug = await runVsw(["hello", "--name", "bug"], { env: home.env });
    assert.equal(bug.code, 1);
    assert.match(bug.stderr, /Plugin "hello-plugin" failed in hook "commands \(vsw hello\)": x is undefined/);
    assert.match(bug.stderr, /\(VSW_PLUGIN_ERROR\)/);
  });

  test("completes as a command, with its flags", async () => {
    assert.deepEqual(await candidates(home, "hel"), ["hello"]);
    assert.deepEqual((await candidates(home, "hello", "--")).sort(), [
      "--debug",
      "--help",
      "--keystore",
      "--loud",
      "--name",
      "--plugin",
    ]);
  });

  test("vsw plugins shows that it taps the commands hook", async () => {
    const r = await runVsw(["plugins", "--json"], { env: home.env });
    const hello = (JSON.parse(r.stdout) as Array<{ name: string; hooks: string[] }>).find(
      (p) => p.name === "hello-plugin",
    );
    assert.deepEqual(hello?.hooks, ["commands"]);
  });

  test("a plugin's apply runs once per command, though yargs listed the plugins' commands first", async () => {
    const counter = join(home.dir, "counter.mjs");
    const log = join(home.dir, "applied.log");
    writeFileSync(
      counter,
      `import { appendFileSync } from "node:fs";\nexport default { name: "counter", apply() { appendFileSync(${JSON.stringify(log)}, "apply\\n"); } };\n`,
    );
    const r = await runVsw(["hello", "x", "--plugin", counter], { env: home.env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(log, "utf8"), "apply\n");
  });

  test("switching to its name (what the shell function does with an unknown word) hints at command vsw NAME", async () => {
    const r = await runVsw(["env", "hello", "--shell", "bash"], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\(VSW_PROFILE_NOT_FOUND\)/);
    assert.match(r.stderr, /"hello" is a plugin's command; .* run it as: command vsw hello/);
  });

  test("a command named like a built-in one is refused", async () => {
    const clash = join(home.dir, "clash.mjs");
    writeFileSync(
      clash,
      `export default { name: "clash", apply(vsw) { vsw.hooks.commands.tap("clash", (l) => [...l, { name: "list", describe: "", positionals: [], flags: {}, run() {} }]); } };\n`,
    );
    const r = await runVsw(["plugins", "--plugin", clash], { env: home.env });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /command "list" clashes with another command.*\(VSW_PLUGIN_ERROR\)/s);
  });
});

describe("the github-actions format example", () => {
  let home: Home;
  before(async () => {
    home = makeHome();
    const r = await runVsw(["add", "ci", "--env"], {
      env: { ...home.env, AWS_ACCESS_KEY_ID: KEY, AWS_SECRET_ACCESS_KEY: SECRET },
    });
    assert.equal(r.code, 0, r.stderr);
  });
  after(() => home?.cleanup());

  describe("as a file next to the vsw config", () => {
    before(() => {
      const dir = join(home.env.XDG_CONFIG_HOME as string, "vsw");
      mkdirSync(join(dir, "node_modules"), { recursive: true });
      // What `npm install --prefix ~/.config/vsw vsw` would give the file: vsw/plugin to import.
      symlinkSync(ROOT, join(dir, "node_modules", "vsw"), "dir");
      cpSync(EXAMPLE, join(dir, "gha"), { recursive: true });
      writeFileSync(join(dir, "config"), "[plugins]\ngha = ./gha/index.mjs\n\n[plugin gha]\nprefix = CI_\n");
    });

    test("its formats complete after --format", async () => {
      const got = await candidates(home, "export", "ci", "--format", "");
      assert.deepEqual(got.sort(), ["dotenv", "env", "github-actions", "github-actions-mask", "ini", "json"]);
    });

    test("writes GITHUB_ENV blocks under one random delimiter, with the configured prefix", async () => {
      const r = await runVsw(["export", "ci", "--no-session", "--format", "github-actions"], {
        env: home.env,
      });
      assert.equal(r.code, 0, r.stderr);
      const delimiter = /^CI_AWS_ACCESS_KEY_ID<<(ghadelimiter_[0-9a-f-]{36})$/m.exec(r.stdout)?.[1];
      assert.ok(delimiter, r.stdout.replaceAll(SECRET, "<secret>"));
      assert.equal(
        r.stdout,
        [
          ["CI_AWS_ACCESS_KEY_ID", KEY],
          ["CI_AWS_SECRET_ACCESS_KEY", SECRET],
          ["CI_VSW_PROFILE", "ci"],
        ]
          .map(([name, value]) => `${name}<<${delimiter}\n${value}\n${delimiter}\n`)
          .join(""),
      );
    });

    test("github-actions-mask masks every secret", async () => {
      const r = await runVsw(["export", "ci", "--no-session", "--format", "github-actions-mask"], {
        env: home.env,
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `::add-mask::${KEY}\n::add-mask::${SECRET}\n`);
    });
  });

  describe("as an npm package", () => {
    let installed: Installed;
    before(() => {
      installed = installPackages([packVsw(), packDirectory(EXAMPLE)]);
    });
    after(() => installed?.cleanup());

    test("the installed vsw loads it by package name, lists it and completes its formats", async () => {
      const env = {
        ...home.env,
        XDG_CONFIG_HOME: join(home.dir, "no-config"),
        VSW_PLUGIN_DIR: installed.dir,
      };
      const args = ["--plugin", "vsw-format-github-actions"];
      const listed = await run(process.execPath, [installed.vsw, "plugins", "--json", ...args], { env });
      assert.equal(listed.code, 0, listed.stderr);
      const gha = (JSON.parse(listed.stdout) as Array<Record<string, unknown>>).find(
        (p) => p.name === "format-github-actions",
      );
      assert.equal(gha?.version, "1.0.0");
      assert.deepEqual(gha?.hooks, ["format.github-actions", "format.github-actions-mask"]);
      const masked = await run(
        process.execPath,
        [installed.vsw, "export", "ci", "--no-session", "--format", "github-actions-mask", ...args],
        { env },
      );
      assert.equal(masked.code, 0, masked.stderr);
      assert.equal(masked.stdout, `::add-mask::${KEY}\n::add-mask::${SECRET}\n`);
      const completed = await run(
        process.execPath,
        [installed.vsw, "__complete", "--", "export", "ci", "--format", "git"],
        {
          env: { ...env, VSW_PLUGINS: "vsw-format-github-actions" },
        },
      );
      assert.equal(completed.stdout, ":words\ngithub-actions\ngithub-actions-mask\n");
    });
  });
});
