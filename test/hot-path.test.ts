/**
 * The cached hot path (`vsw env` / `vsw export` on a cached session) opens none of the heavy
 * modules: not the AWS SDK, yargs, prompts or chalk, nor the lazily loaded jose and otpauth, nor the
 * keychain's native binding when the file store answers — also when no keystore is named and the
 * default choice probes the stores. Seen with strace (files opened), not timed.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  closeWorld,
  type Home,
  requireTool,
  runVsw,
  VSW,
  type World,
  worldWithHome,
} from "./helpers/harness.js";

const HEAVY = ["yargs", "prompts", "chalk", "client-sts", "@aws-sdk", "jose", "otpauth", "@napi-rs"];

describe("the cached hot path", () => {
  let world: World;
  let home: Home;
  before(async () => {
    ({ world, home } = await worldWithHome());
    const minted = await runVsw(["export", "dev", "--mfa-token", world.code()], { env: home.env });
    assert.equal(minted.code, 0, minted.stderr);
  });
  after(() => closeWorld(world, home));

  const cases: Array<[string, string[], boolean]> = [
    ["vsw env dev", ["env", "dev", "--shell", "bash"], true],
    ["vsw export dev", ["export", "dev", "--format", "env"], true],
    ["vsw export dev, no keystore named (the default choice)", ["export", "dev", "--format", "env"], false],
  ];
  for (const [name, args, named] of cases) {
    test(`${name} opens no heavy module`, (t) => {
      if (!requireTool(t, "strace")) return;
      const env = { ...home.env };
      if (!named) delete env.VSW_KEYSTORE;
      const log = join(home.dir, `strace-${args.join("-")}-${named}`);
      world.emu.resetCalls();
      const result = spawnSync(
        "strace",
        ["-f", "-e", "trace=openat", "-o", log, process.execPath, VSW, ...args],
        { env, encoding: "utf8" },
      );
      assert.equal(result.status, 0, result.stderr);
      // Not assert.match: its failure message would print the session's secrets.
      assert.ok(/AWS_SESSION_TOKEN/.test(result.stdout), "the session is printed");
      assert.equal(world.emu.calls.length, 0, "a cached session makes no STS call");
      const opened = readFileSync(log, "utf8");
      assert.match(opened, /dist\/vsw-hot\.cjs/);
      assert.doesNotMatch(opened, /dist\/vsw-cli\.cjs/, "the full bundle was read");
      // The bundle came from V8's code cache: the user's copy, made by the run that minted.
      assert.match(opened, /openat\([^)]*\/vsw\/code\/[^)]*-switch\.cache"[^)]*\) = \d/);
      for (const heavy of HEAVY) {
        assert.doesNotMatch(
          opened,
          new RegExp(`openat\\([^)]*${heavy}[^)]*\\) = \\d`),
          `${heavy} was loaded`,
        );
      }
    });
  }

  // Node's own modules are no files strace could see: the process lists them. Each of these costs
  // 1–2 ms to load (child_process and net behind it, http, tty, zlib…; os about 0.2 ms) and a
  // switch needs none.
  const HEAVY_BUILTINS = [
    "os",
    "child_process",
    "net",
    "http",
    "https",
    "tls",
    "zlib",
    "tty",
    "readline",
    "worker_threads",
    "dns",
    "module",
  ];
  for (const [name, args] of [
    ["vsw export dev", ["export", "dev", "--format", "env"]],
    ["vsw __complete", ["__complete", "--quoted", "--", "export", "d"]],
  ] as const) {
    test(`${name} loads none of Node's heavy modules`, () => {
      const listFile = join(home.dir, "builtins.json");
      const preload = join(home.dir, "list-builtins.cjs");
      writeFileSync(
        preload,
        `const before = new Set(process.moduleLoadList);
process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(listFile)}, JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m)))));
`,
      );
      const result = spawnSync(process.execPath, ["-r", preload, VSW, ...args], {
        env: home.env,
        encoding: "utf8",
      });
      assert.equal(result.status, 0, result.stderr);
      const loaded = (JSON.parse(readFileSync(listFile, "utf8")) as string[])
        .filter((m) => m.startsWith("NativeModule "))
        .map((m) => m.slice("NativeModule ".length));
      assert.ok(loaded.length > 0, "the list was taken");
      assert.deepEqual(
        loaded.filter((m) => HEAVY_BUILTINS.includes(m)),
        [],
      );
    });
  }
});
