/**
 * The build script as `npm install -g .` meets it in a fresh checkout: without the dev
 * dependencies, one clear line and a non-zero exit, never esbuild's resolution stack trace.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

test("both bundles are strict code, require each Node module once, and only the full one holds yargs", () => {
  for (const name of ["vsw-hot", "vsw-cli"]) {
    const code = readFileSync(join(ROOT, "dist", `${name}.cjs`), "utf8");
    assert.match(code, /^\(function \([^)]*\) \{"use strict";/, `${name}: strict mode`);
    for (const module of ["node:fs", "node:path", "node:crypto"]) {
      assert.equal(code.split(`require("${module}")`).length - 1, 1, `${name}: ${module} required once`);
    }
    assert.equal(/\brunYargs\b/.test(code), name === "vsw-cli", `${name}: the yargs path`);
  }
});
