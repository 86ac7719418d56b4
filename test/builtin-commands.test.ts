/**
 * The commands vsw's built-in plugins add through the `commands` hook (`login`, `rotate`): the shell
 * wrappers pass them to the binary, as they pass the grammar's commands, instead of switching to a
 * profile of that name; checked in the files and in a real bash.
 */
import assert from "node:assert/strict";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BUILTIN_PLUGIN_COMMANDS } from "../src/cli/complete-specs.js";
import { createVsw } from "../src/core/vsw.js";
import { builtinPlugins } from "../src/plugins/index.js";
import { makeHome, ROOT, run, VSW } from "./helpers/harness.js";

/** The names the built-in plugins' commands take. */
function builtinCommandNames(): string[] {
  const vsw = createVsw({ env: {} });
  for (const plugin of builtinPlugins()) vsw.use(plugin);
  // A hidden one (`exec-server`, reached through `vsw exec --server`) is no word of the user's.
  return (vsw.hooks.commands.call([]) ?? [])
    .filter((c) => !c.hidden)
    .flatMap((c) => [c.name, ...(c.aliases ?? [])]);
}

test("the built-in plugins add sso, login and rotate, the grammar's BUILTIN_PLUGIN_COMMANDS", () => {
  assert.deepEqual(builtinCommandNames().sort(), ["login", "rotate", "sso"]);
  assert.deepEqual([...BUILTIN_PLUGIN_COMMANDS].sort(), builtinCommandNames().sort());
});

for (const shell of ["bash", "zsh", "fish"]) {
  test(`the ${shell} wrapper passes every built-in plugin command to the binary`, () => {
    const text = readFileSync(join(ROOT, "shell", `vsw.${shell}`), "utf8");
    // The generated pass-through line (scripts/shell-commands.mjs) holds them with the grammar's commands.
    const line = text.split("\n").find((l) => /\b__complete\b/.test(l) && /\bexport\b/.test(l));
    assert.ok(line, `a pass-through line in shell/vsw.${shell}`);
    const words = new Set(line.match(/[a-z_-]+/g) ?? []);
    for (const name of builtinCommandNames()) assert.ok(words.has(name), `${name} in shell/vsw.${shell}`);
  });
}

test("through the bash function, vsw rotate reaches the binary, not the profile switch", async () => {
  const home = makeHome();
  try {
    const bin = join(home.dir, "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "vsw"), `#!/bin/sh\nexec "${process.execPath}" "${VSW}" "$@"\n`);
    chmodSync(join(bin, "vsw"), 0o755);
    const r = await run("bash", ["-c", `source "${join(ROOT, "shell", "vsw.bash")}"; vsw rotate --help`], {
      env: { ...home.env, PATH: `${bin}:${home.env.PATH}` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /vsw rotate <profile>/);
  } finally {
    home.cleanup();
  }
});
