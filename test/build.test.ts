/**
 * The build script as `npm install -g .` meets it in a fresh checkout: without the dev
 * dependencies, one clear line and a non-zero exit, never esbuild's resolution stack trace.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ROOT, run } from "./helpers/harness.js";

test("the build without esbuild installed says how to install, in one line", async () => {
  // A copy of the checkout's build script where no node_modules can be found above it.
  const dir = mkdtempSync(join(tmpdir(), "vsw-build-"));
  try {
    mkdirSync(join(dir, "scripts"));
    copyFileSync(join(ROOT, "scripts", "build.mjs"), join(dir, "scripts", "build.mjs"));
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ name: "vsw", version: "0.0.0", type: "module" }),
    );
    const r = await run(process.execPath, [join(dir, "scripts", "build.mjs")], {
      env: { PATH: process.env.PATH },
      cwd: dir,
    });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /esbuild is not installed.*npm install.*npm pack/);
    assert.doesNotMatch(r.stderr, /\n\s+at |ERR_MODULE_NOT_FOUND/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
