/**
 * Completion: the `vsw __complete` engine (pure cases, quoting, agreement with the yargs commands
 * and the wrappers' command lists), its cost (no yargs, prompts, chalk or SDK loaded), and real
 * completion of profile names, flags and values in interactive bash, zsh and fish under tmux.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import fc from "fast-check";
import yargs from "yargs";
import {
  COMMAND_SPECS,
  type Completion,
  complete,
  dequotePosix,
  GLOBAL_FLAGS,
  type ProfileInfo,
  parseCompleteArgs,
  renderCompletion,
} from "../src/cli/commands/complete.js";
import { commands } from "../src/cli/commands/index.js";
import { BUILTIN_PLUGIN_COMMANDS } from "../src/cli/complete-specs.js";
import { yargsHead } from "../src/cli/options.js";
import { quotePosix } from "../src/plugins/format/shell-quote.js";
import { type Home, ROOT, requireTool, run, runVsw } from "./helpers/harness.js";
import {
  type Install,
  installRcLine,
  makeInstall,
  rcFile,
  removeHome,
  shellEnv,
  shellHome,
  startTmux,
  type Tmux,
  WRAPPED_SHELLS,
  type WrappedShell,
} from "./shell-support.js";

const scratch = mkdtempSync(join(tmpdir(), "vsw-complete-"));
const canary = join(scratch, "canary");
const HOSTILE = `it's $(touch ${canary}) \`x\``;
after(() => rmSync(scratch, { recursive: true, force: true }));

const PROFILES: ProfileInfo[] = [
  { name: "base", describe: "stored keys", stored: true, region: "eu-west-1" },
  { name: "dev", describe: "arn:aws:iam::222222222222:role/dev", stored: false, region: "eu-west-1" },
  { name: "prod", describe: "arn:aws:iam::333333333333:role/prod", stored: false, region: "us-east-2" },
  { name: "list", describe: "profile", stored: false, region: undefined },
  { name: "line\nbreak", describe: "profile", stored: true, region: undefined },
];
const values = (c: Completion) => c.candidates.map((x) => x.value);
const ask = (...words: string[]) => complete(words, async () => PROFILES);

describe("The completion engine", () => {
  test("The first word completes to commands and profile names, a command's name not twice", async () => {
    const got = values(await ask(""));
    assert.ok(got.includes("env") && got.includes("use") && got.includes("off") && got.includes("dev"));
    assert.equal(got.filter((v) => v === "list").length, 1);
    assert.ok(!got.includes("__complete"), "the hidden command is offered");
  });

  test("Candidates are filtered by the prefix of the word being completed", async () => {
    assert.deepEqual(values(await ask("d")), ["dev"]);
    assert.deepEqual(values(await ask("env", "p")), ["prod"]);
  });

  test("Names that the line protocol cannot carry are left out, never mangled", async () => {
    assert.ok(!values(await ask("env", "")).some((v) => v.includes("line")));
  });

  test("After a profile, the switch form offers the env flags; after a value flag, its values", async () => {
    assert.deepEqual(values(await ask("prod", "--re")), ["--region"]);
    assert.deepEqual(values(await ask("prod", "--region", "")), ["eu-west-1", "us-east-2"]);
    assert.deepEqual(values(await ask("env", "--shell=f")), ["--shell=fish"]);
    assert.deepEqual(values(await ask("export", "dev", "--format", "j")), ["json"]);
  });

  test("A flag already given is not offered again", async () => {
    assert.ok(!values(await ask("env", "dev", "--region", "x", "--")).includes("--region"));
  });

  test("Commands complete their own positionals: init shells, remove stored names only", async () => {
    assert.deepEqual(values(await ask("init", "")), ["bash", "zsh", "fish"]);
    assert.deepEqual(values(await ask("rm", "")), ["base"]);
  });

  test("The command line after exec PROFILE -- is left to the shell's own completion", async () => {
    assert.equal((await ask("exec", "dev", "--", "")).mode, "default");
  });

  test("A failing profile source only removes the profile names", async () => {
    const got = await complete(["en"], async () => {
      throw new Error("keystore locked");
    });
    assert.deepEqual(values(got), ["env"]);
  });

  test("The output is a mode line then one VALUE<TAB>DESCRIPTION a line", () => {
    const text = renderCompletion({
      mode: "words",
      candidates: [{ value: "dev", describe: "a\tb\nc" }, { value: "x" }],
    });
    assert.equal(text, ":words\ndev\ta b c\nx\n");
  });

  test("Arguments before -- are protocol options; --quoted removes POSIX quoting from the words", () => {
    assert.deepEqual(parseCompleteArgs(["--", "--quoted", "x"]), ["--quoted", "x"]);
    assert.deepEqual(parseCompleteArgs(["--quoted", "--", "'my pr", 'a\\ b"c"', "$'x'"]), [
      "my pr",
      "a bc",
      "x",
    ]);
  });

  test("Removing quotes undoes POSIX single quoting for any text", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => assert.equal(dequotePosix(quotePosix(s)), s)),
      { numRuns: 500 },
    );
  });
});

describe("Completion agrees with the commands", () => {
  const yargsCommands = commands.map((module) => {
    const spec = String(module.command);
    const name = spec.split(" ")[0] as string;
    const positionals = [...spec.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => m[1]);
    const aliases = [module.aliases ?? []].flat() as string[];
    return { module, name, positionals, aliases };
  });

  test("Every yargs command (and alias) has a completion spec, and every spec a yargs command", () => {
    const fromYargs = yargsCommands.flatMap((c) => [c.name, ...c.aliases]).sort();
    const fromSpecs = COMMAND_SPECS.flatMap((s) => [s.name, ...(s.aliases ?? [])]).sort();
    assert.deepEqual(fromSpecs, fromYargs);
  });

  test("Each yargs command's usage, aliases and description are the grammar's (yargsHead)", () => {
    for (const { module, name } of yargsCommands) {
      const { command, aliases, describe } = module;
      assert.deepEqual({ command, aliases, describe }, yargsHead(name), `head of ${name}`);
    }
  });

  test("Each command's usage words are its completion positionals, a [rest..] last", () => {
    for (const spec of COMMAND_SPECS) {
      const words = (spec.usage ?? "").split(" ").filter(Boolean);
      assert.ok(
        words.every((w) => /^(<[\w-]+>|\[[\w-]+\]|\[[\w-]+\.\.\])$/.test(w)),
        `usage of ${spec.name}: ${spec.usage}`,
      );
      const rest = words.filter((w) => w.endsWith("..]"));
      assert.ok(rest.length === 0 || (rest.length === 1 && words.at(-1) === rest[0]), `rest of ${spec.name}`);
      if (spec.rest) assert.equal(rest.length, 1, `${spec.name} completes a rest, so its usage has one`);
      assert.equal(words.length - rest.length, spec.positionals.length, `positionals of ${spec.name}`);
    }
  });

  test("Each command's examples run that command", () => {
    for (const spec of COMMAND_SPECS) {
      for (const [line] of spec.examples ?? []) {
        assert.match(line, new RegExp(`(^|\\$\\()vsw ${spec.name}\\b`), `example of ${spec.name}: ${line}`);
      }
    }
  });

  test("Each command's flags in completion are the yargs command's options", () => {
    for (const { module, name, positionals } of yargsCommands) {
      const built = typeof module.builder === "function" ? module.builder(yargs([])) : yargs([]);
      // getOptions() is public in yargs but missing from its type declarations.
      type Options = { key: Record<string, unknown>; alias: Record<string, string[]> };
      const options = (built as unknown as { getOptions(): Options }).getOptions();
      const aliases = Object.values(options.alias).flat();
      const keys = Object.keys(options.key).filter(
        (key) => !["help", "version", ...positionals, ...aliases].includes(key),
      );
      const spec = COMMAND_SPECS.find((s) => s.name === name);
      // yargs keeps a `--no-X` boolean under the key `X`.
      const specFlags = Object.keys(spec?.flags ?? {}).map((flag) => flag.slice(2).replace(/^no-/, ""));
      assert.deepEqual(specFlags.sort(), keys.sort(), `flags of ${name}`);
    }
    assert.deepEqual(Object.keys(GLOBAL_FLAGS).sort(), ["--debug", "--help", "--keystore", "--plugin"]);
  });

  for (const shell of WRAPPED_SHELLS) {
    test(`The ${shell} wrapper passes exactly the binary's commands through (off and use are its own)`, () => {
      const text = readFileSync(join(ROOT, "shell", `vsw.${shell}`), "utf8");
      const line = text
        .split("\n")
        .find((l) => /\benv\b.*\bexport\b.*\bexec\b/.test(l) && !l.trim().startsWith("#"));
      assert.ok(line, "the pass-through list");
      const words = line
        .replace(/^\s*(case|\()?/, "")
        .split(/[\s|()]+/)
        .filter((w) => w && w !== "case" && w !== "'-*'" && w !== "-*");
      // With the built-in plugins' commands (`vsw sso`), which the wrappers pass through too.
      const expected = [
        ...yargsCommands.flatMap((c) => [c.name, ...c.aliases]),
        ...BUILTIN_PLUGIN_COMMANDS,
      ].filter((w) => w !== "off" && w !== "use");
      assert.deepEqual(words.sort(), expected.sort());
    });
  }
});

describe("The __complete fast path", () => {
  let home: Home;
  before(() => {
    home = shellHome();
    home.writeConfig("[profile dev]\nregion = eu-west-1\n[profile prod]\nregion = us-east-2\n");
  });
  after(() => home?.cleanup());

  test("It answers from the built binary, profile names included", async () => {
    const result = await runVsw(["__complete", "--", "env", "p"], { env: home.env });
    assert.equal(result.code, 0);
    assert.equal(result.stdout, ":words\nprod\tprofile\n");
  });

  test("It loads neither yargs, prompts, chalk nor the AWS SDK (strace), and its time is printed", async (t) => {
    if (!requireTool(t, "strace")) return;
    const log = join(scratch, "strace-complete");
    const result = spawnSync(
      "strace",
      [
        "-f",
        "-e",
        "trace=openat",
        "-o",
        log,
        process.execPath,
        join(ROOT, "dist", "vsw.cjs"),
        "__complete",
        "--",
        "",
      ],
      { env: home.env, encoding: "utf8" },
    );
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^:words\n/);
    const opened = readFileSync(log, "utf8");
    assert.match(opened, /dist\/vsw-hot\.cjs/);
    assert.doesNotMatch(opened, /dist\/vsw-cli\.cjs/, "the full bundle was read");
    for (const heavy of ["yargs", "prompts", "chalk", "client-sts", "@aws-sdk"]) {
      assert.doesNotMatch(opened, new RegExp(`openat\\([^)]*${heavy}[^)]*\\) = \\d`), `${heavy} was loaded`);
    }
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      const start = process.hrtime.bigint();
      await runVsw(["__complete", "--", "env", ""], { env: home.env });
      times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    t.diagnostic(
      `vsw __complete -- env "": median ${times[3]?.toFixed(0)} ms wall (7 runs, node start-up included)`,
    );
  });
});

/** Interactive completion: a command `show` completes like vsw and writes its arguments to a file. */
describe("Completion in interactive shells (tmux)", () => {
  let tmux: Tmux | undefined;
  let install: Install;
  let home: Home;
  const out = join(scratch, "show-out");

  before(async () => {
    install = makeInstall();
    home = shellHome();
    home.writeConfig(
      ["dev", "prod", "my prod", HOSTILE].map((name) => `[profile ${name}]\nregion = eu-west-1\n`).join("\n"),
    );
  });
  after(async () => {
    tmux?.kill();
    await removeHome(home);
    install?.cleanup();
  });

  const SHOW: Record<WrappedShell, string> = {
    bash: `PS1='$ '\nshow() { printf '<%s>' "$@" > '${out}'; }\ncomplete -F __vsw_complete show\n`,
    zsh: `PS1='$ '\nautoload -Uz compinit && compinit -u -d ~/.zcompdump\nshow() { printf '<%s>' "$@" > '${out}'; }\n`,
    fish: `function fish_greeting; end\nfunction fish_prompt; printf '$ '; end\nfunction show; printf '<%s>' $argv > '${out}'; end\ncomplete -c show -f -a '(__vsw_complete)'\n`,
  };

  async function start(t: import("node:test").TestContext, shell: WrappedShell): Promise<Tmux | undefined> {
    if (!requireTool(t, shell) || !requireTool(t, "tmux")) return undefined;
    tmux ??= startTmux();
    const rc = rcFile(home, shell);
    mkdirSync(join(rc, ".."), { recursive: true });
    writeFileSync(rc, shell === "bash" ? SHOW.bash : shell === "zsh" ? SHOW.zsh : "");
    await installRcLine(home, install, shell);
    if (shell === "zsh") writeFileSync(rc, `${readFileSync(rc, "utf8")}compdef _vsw show\n`);
    if (shell === "fish") writeFileSync(rc, `${readFileSync(rc, "utf8")}${SHOW.fish}`);
    tmux.start(shell, [shell, "-i"], shellEnv(home, install));
    await tmux.waitFor(shell, /\$ ?$/);
    return tmux;
  }

  /** Types `line`, presses TAB, then Enter, and returns what `show` received. */
  async function completeAndRun(tm: Tmux, shell: WrappedShell, line: string): Promise<string> {
    rmSync(out, { force: true });
    tm.type(shell, line, false);
    tm.send(shell, "Tab");
    // Wait until the completion has changed the line (it runs node: slow on a loaded machine),
    // then a moment more for the shell to finish redrawing, before Enter.
    // The line must also hold still for half a second: on a loaded machine a shell may show a
    // half-drawn line (fish once showed `show "it)`) that Enter would then leave unterminated.
    const typed = `$ ${line}`;
    let previous = "";
    let still = 0;
    for (let i = 0; i < 300 && still < 5; i++) {
      const last = tm.screen(shell).split("\n").pop() ?? "";
      const changed = last.startsWith("$ show") && last.length > typed.length;
      still = changed && last === previous ? still + 1 : 0;
      previous = last;
      await sleep(100);
    }
    tm.send(shell, "Enter");
    // The file exists (truncated by the redirection) a moment before printf fills it.
    const written = () => existsSync(out) && readFileSync(out, "utf8") !== "";
    for (let i = 0; i < 100 && !written(); i++) await sleep(100);
    const got = written() ? readFileSync(out, "utf8") : `(nothing ran; screen:\n${tm.screen(shell)})`;
    tm.send(shell, "C-c");
    return got;
  }

  for (const shell of WRAPPED_SHELLS) {
    test(`${shell} completes profile names, names with spaces and hostile names, literally`, async (t) => {
      const tm = await start(t, shell);
      if (!tm) return;
      assert.equal(await completeAndRun(tm, shell, "show d"), "<dev>");
      assert.equal(await completeAndRun(tm, shell, "show my"), "<my prod>");
      assert.equal(await completeAndRun(tm, shell, "show it"), `<${HOSTILE}>`);
      assert.equal(await completeAndRun(tm, shell, "show 'it"), `<${HOSTILE}>`);
      assert.equal(await completeAndRun(tm, shell, 'show "it'), `<${HOSTILE}>`);
      assert.equal(existsSync(canary), false, "running a completed line executed part of a name");
    });

    test(`${shell} completes subcommand flags and their values`, async (t) => {
      const tm = tmux;
      if (!requireTool(t, shell) || !tm) return;
      assert.equal(await completeAndRun(tm, shell, "show env --shell=f"), "<env><--shell=fish>");
      assert.equal(await completeAndRun(tm, shell, "show init z"), "<init><zsh>");
      assert.equal(await completeAndRun(tm, shell, "show prod --mfa-t"), "<prod><--mfa-token>");
    });
  }

  test("The rc line vsw init prints works from an install path full of quotes", async (t) => {
    // If any of it ran, the canary would appear in the working directory, `scratch`. (No backslash:
    // node refuses to load an ES module from a path holding one.)
    const odd = makeInstall(`it's "odd" $(touch canary) \`touch canary\` dir`);
    try {
      for (const shell of WRAPPED_SHELLS) {
        if (!requireTool(t, shell)) continue;
        const line = await run("vsw", ["init", shell], { env: shellEnv(home, odd) });
        assert.equal(line.code, 0, line.stderr);
        const check =
          shell === "fish" ? "functions -q vsw_prompt; and echo ok" : "type vsw_prompt >/dev/null && echo ok";
        const args =
          shell === "bash" ? ["--norc", "-c"] : shell === "zsh" ? ["-f", "-c"] : ["--no-config", "-c"];
        const result = await run(shell, [...args, `${line.stdout}${check}`], {
          env: shellEnv(home, odd),
          cwd: scratch,
        });
        assert.equal(result.stdout, "ok\n", `${shell}: ${result.stderr}`);
      }
      assert.equal(existsSync(canary), false);
    } finally {
      odd.cleanup();
    }
  });
});
