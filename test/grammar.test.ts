/**
 * The one CLI grammar (src/cli/complete-specs.ts): the fast path and the shell wrappers' command
 * lists are derived from it, so they cannot drift from completion (which reads it) or from yargs
 * (held equal to it by test/shell-complete.test.ts).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { build } from "esbuild";
import { COMMAND_SPECS, GLOBAL_FLAGS } from "../src/cli/complete-specs.js";
import { parseFast } from "../src/cli/fast.js";
import { runVsw } from "./helpers/harness.js";

interface WrapperLine {
  shell: string;
  file: URL;
  index: number;
  line: string;
}

describe("the CLI grammar", () => {
  test("the shell wrappers' pass-through lists are the ones the build writes from the grammar", async () => {
    // @ts-expect-error: a plain .mjs build script without declarations.
    const { shellCommandLines } = (await import("../scripts/shell-commands.mjs")) as {
      shellCommandLines(b: typeof build): Promise<WrapperLine[]>;
    };
    const lines = await shellCommandLines(build);
    assert.deepEqual(
      lines.map((l) => l.shell),
      ["bash", "zsh", "fish"],
    );
    for (const { shell, file, index, line } of lines) {
      assert.equal(readFileSync(file, "utf8").split("\n")[index], line, `shell/vsw.${shell}`);
      for (const spec of COMMAND_SPECS.filter((s) => s.name !== "use" && s.name !== "off")) {
        assert.ok(line.includes(` ${spec.name}`), `${shell} passes ${spec.name} through`);
      }
    }
  });

  test("every flag env and export have in the grammar takes the fast path, --help does not", () => {
    for (const name of ["env", "export"]) {
      const spec = COMMAND_SPECS.find((s) => s.name === name);
      for (const [flag, f] of Object.entries({ ...GLOBAL_FLAGS, ...spec?.flags })) {
        const argv = f.value ? [name, "dev", flag, "x"] : [name, "dev", flag];
        if (flag === "--help") assert.equal(parseFast(argv), undefined);
        else if (flag !== "--shell" && flag !== "--format")
          assert.equal(parseFast(argv)?.name, name, `${name} ${flag}`);
      }
    }
  });

  test("vsw COMMAND --help describes each flag with the grammar's text", async () => {
    for (const name of ["env", "export", "list", "remove", "plugins"]) {
      const r = await runVsw([name, "--help"], { env: { PATH: process.env.PATH } });
      assert.equal(r.code, 0, r.stderr);
      const help = r.stdout.replace(/\s+/g, " ");
      const spec = COMMAND_SPECS.find((s) => s.name === name);
      for (const [flag, f] of Object.entries({ ...GLOBAL_FLAGS, ...spec?.flags })) {
        if (flag === "--help") continue;
        assert.ok(help.includes(flag), `${name} --help names ${flag}`);
        assert.ok(
          help.includes((f.help ?? f.describe).replace(/\s+/g, " ")),
          `${name} ${flag}: ${f.help ?? f.describe}`,
        );
      }
    }
  });

  test("every value flag of the grammar given without its value is a usage error, --plugin too", async () => {
    for (const argv of [
      ["list", "--plugin"],
      ["export", "dev", "--format"],
      ["plan", "dev", "--region="],
    ]) {
      const r = await runVsw(argv, { env: { PATH: process.env.PATH } });
      assert.equal(r.code, 2, argv.join(" "));
      assert.match(r.stderr, /needs a value\. \(VSW_USAGE\)/);
    }
  });
});
