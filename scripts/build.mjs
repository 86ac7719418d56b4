// Bundles the CLI into dist/. dist/vsw-cli.cjs is ONE CommonJS file holding all of vsw's own code
// (dist/vsw-hot.cjs the same without the commands a switch or Tab never runs), started by the
// launcher dist/vsw.cjs through V8's code cache (dist/vsw-cli.cache, then the
// user's own copy; src/cli/launcher.ts says why). The heavy libraries (yargs, the AWS SDK, prompts, chalk) are bundled
// separately into dist/vendor/*.js and reached only through lazy `import()`s, so the cached hot
// path (`vsw env`) never reads or parses them.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";

// esbuild is a dev dependency: `npm install -g .` in a fresh checkout runs this script (prepare)
// without it. One clear line instead of a module-resolution stack trace.
let build;
try {
  ({ build } = await import("esbuild"));
} catch (error) {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  process.stderr.write(
    "vsw build: esbuild is not installed: run `npm install` in the checkout first, or install a copy with `npm pack` then `npm install -g vsw-*.tgz`.\n",
  );
  process.exit(1);
}

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const dist = new URL("../dist/", import.meta.url);
rmSync(dist, { recursive: true, force: true });

const common = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // CommonJS dependencies (tapable, yargs internals) call require(); an ESM bundle needs one, under
  // a name that does not collide with yargs' own `createRequire` import (machine-notes.md).
  banner: {
    js: "import { createRequire as __vswCreateRequire } from 'node:module'; const require = __vswCreateRequire(import.meta.url);",
  },
  legalComments: "none",
  logLevel: "warning",
};

/** Lazily loaded libraries: module name → file under dist/vendor, and whether it has a default export. */
const vendors = {
  yargs: "yargs",
  "@aws-sdk/client-sts": "client-sts",
  "@aws-sdk/client-sso": "client-sso",
  "@aws-sdk/client-sso-oidc": "client-sso-oidc",
  "@aws-sdk/client-iam": "client-iam",
  prompts: "prompts",
  chalk: "chalk",
  jose: "jose",
  otpauth: "otpauth",
};
const hasDefault = new Set(["yargs", "prompts", "chalk"]);

// Each vendor library becomes one standalone ESM file.
const entries = new URL("../.build/", import.meta.url);
mkdirSync(entries, { recursive: true });
for (const [module, file] of Object.entries(vendors)) {
  const entry = new URL(`${file}.mjs`, entries);
  const name = JSON.stringify(module);
  writeFileSync(
    entry,
    `export * from ${name};\n${hasDefault.has(module) ? `export { default } from ${name};\n` : ""}`,
  );
  // Prefer ESM builds ("module"): `export *` from a CommonJS build loses its named exports.
  await build({
    ...common,
    mainFields: ["module", "main"],
    entryPoints: [entry.pathname],
    outfile: new URL(`vendor/${file}.js`, dist).pathname,
  });
}
rmSync(entries, { recursive: true, force: true });

/** Points imports of vendor libraries at their lazily loaded files. */
const vendorPlugin = {
  name: "vendor",
  setup(b) {
    b.onResolve(
      { filter: /^(yargs|@aws-sdk\/client-(sts|sso|sso-oidc|iam)|prompts|chalk|jose|otpauth)$/ },
      (args) => ({
        path: `./vendor/${vendors[args.path]}.js`,
        external: true,
      }),
    );
  },
};

// vsw's own code: two CommonJS bundles of the same sources, started by the small launcher
// dist/vsw.cjs (src/cli/launcher.ts) through V8's code cache: dist/vsw-hot.cjs for the hot commands
// (a switch, Tab: bin.ts with VSW_HOT_BUNDLE, so no yargs path) and dist/vsw-cli.cjs with
// everything. Their `import()`s (the vendor files, node builtins loaded late, plugins) become
// `__vswImport`, which the launcher performs; `import.meta.url` is the bundle's file URL, also
// handed over by the launcher.
{
  const { createHash } = await import("node:crypto");
  const bundles = [
    { name: "vsw-cli", hot: false },
    { name: "vsw-hot", hot: true },
  ];
  const digest = createHash("sha256");
  for (const { name, hot } of bundles) {
    const out = new URL(`${name}.cjs`, dist);
    await build({
      ...common,
      format: "cjs",
      banner: {},
      entryPoints: ["src/cli/bin.ts"],
      outfile: out.pathname,
      // Minified: about half the source to read and check, about 1.5 ms of a cached switch
      // (README, Performance). Without keepNames: its `__name(fn, "…")` call for every function at
      // start-up allocated ~180 KB, enough to cost a switch a scavenge (~0.6 ms) that it otherwise
      // ends without. So a stack trace under --debug names minified functions; its file:line:column
      // still points into the bundle. (No vsw code reads a function's or class's name.)
      minify: true,
      define: {
        VSW_VERSION: JSON.stringify(pkg.version),
        VSW_HOT_BUNDLE: JSON.stringify(hot),
        "import.meta.url": "__vswMeta.url",
      },
      // A native binding cannot be bundled.
      external: ["@napi-rs/keyring"],
      plugins: [vendorPlugin],
    });
    const code = readFileSync(out, "utf8");
    // esbuild prints a dynamic import as `import(` right after `(`, `,`, `=`, `return`, `await`, `?`,
    // `:` or whitespace; nothing else in the bundle (strings, comments: legalComments none, and the
    // check below) may contain the word.
    // Only `await import(`, `return import(` and `(import(` are dynamic imports esbuild writes; any
    // other `import(` (in a string, say) stops the build rather than being rewritten.
    const rewritten = code.replace(/(?<![\w$.])import\(/g, (_match, offset) => {
      if (!/(?:\bawait\s+|\breturn\s+|[(,=]\s*)$/.test(code.slice(Math.max(0, offset - 12), offset))) {
        throw new Error(
          `vsw build: an import( in dist/${name}.cjs is not a dynamic import: ${code.slice(offset - 40, offset + 40)}`,
        );
      }
      return "__vswImport(";
    });
    // The hot bundle must not hold the yargs path: bin.ts's VSW_HOT_BUNDLE branch removed it.
    if (hot && /\brunYargs\b/.test(rewritten))
      throw new Error("vsw build: the hot bundle holds the yargs path");
    // (The bundle is strict code: esbuild starts it with "use strict", which the wrapper keeps first.)
    if (!rewritten.startsWith('"use strict";'))
      throw new Error("vsw build: the bundle does not start in strict mode");
    // Each module esbuild bundles requires the Node modules it imports at start-up: 57 calls through
    // Node's loader (~3 µs each) for three modules the launcher has loaded already. Required once,
    // at the top, instead.
    const builtins = { "node:fs": "__vswFs", "node:path": "__vswPath", "node:crypto": "__vswCrypto" };
    let shared = rewritten;
    for (const [module, name] of Object.entries(builtins)) {
      if (shared.includes(name)) throw new Error(`vsw build: the bundle already uses the name ${name}`);
      shared = shared.replaceAll(`require("${module}")`, name);
    }
    const once = Object.entries(builtins)
      .map(([module, name]) => `${name}=require("${module}")`)
      .join(",");
    // Wrapped in the function the launcher calls, on the bundle's first line so stack traces keep its
    // line numbers (the launcher's `Main` type lists the parameters).
    const wrapped = `(function (require, module, __filename, __dirname, __vswImport, __vswMeta, __vswFull) {"use strict";var ${once};${shared}\n})`;
    writeFileSync(out, wrapped);
    digest.update(wrapped);
  }
  const buildId = digest.digest("hex").slice(0, 16);
  await build({
    ...common,
    format: "cjs",
    banner: { js: "#!/usr/bin/env node" },
    entryPoints: ["src/cli/launcher.ts"],
    outfile: new URL("vsw.cjs", dist).pathname,
    define: { VSW_BUILD_ID: JSON.stringify(buildId) },
  });
  chmodSync(new URL("vsw.cjs", dist), 0o755);
  // The code caches beside the bundles, made by a run of the launcher (see its header): the first
  // start after install uses them instead of compiling. `--version` runs the full bundle, Tab the
  // hot one.
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const cacheHome = mkdtempSync(`${tmpdir()}/vsw-build-cache-`);
  try {
    const env = { ...process.env, XDG_CACHE_HOME: cacheHome };
    for (const [name, kind, args] of [
      ["vsw-cli", "other", ["--version"]],
      ["vsw-hot", "complete", ["__complete", "--", ""]],
    ]) {
      spawnSync(process.execPath, [new URL("vsw.cjs", dist).pathname, ...args], { env, stdio: "ignore" });
      const made = `${cacheHome}/vsw/code/${buildId}-${process.version}-${process.arch}-${kind}.cache`;
      writeFileSync(new URL(`${name}.cache`, dist), readFileSync(made));
    }
  } finally {
    rmSync(cacheHome, { recursive: true, force: true });
  }
}

// The shell wrappers' list of the binary's commands, from the one CLI grammar (complete-specs.ts).
await (await import("./shell-commands.mjs")).writeShellCommands(build);

// The emulator, for the demo and `vsw sandbox`: node builtins only.
await build({
  ...common,
  entryPoints: ["src/sandbox/main.ts"],
  outfile: new URL("sandbox.js", dist).pathname,
});

// The public plugin API, `vsw/plugin`: a small ESM module of its own (a plugin's `import` must not
// start the CLI), with no dependency at run time, and its types. The types are TypeScript's own
// declaration emit (tsconfig.plugin.json) into dist/types; dist/plugin.d.ts points at them.
await build({
  ...common,
  banner: {},
  entryPoints: ["src/plugin.ts"],
  outfile: new URL("plugin.js", dist).pathname,
});
{
  const { spawnSync } = await import("node:child_process");
  const { createRequire } = await import("node:module");
  let tsc;
  try {
    // typescript's exports map hides bin/tsc; its package.json is exported.
    const { dirname, join } = await import("node:path");
    tsc = join(dirname(createRequire(import.meta.url).resolve("typescript/package.json")), "bin", "tsc");
  } catch {
    process.stderr.write(
      "vsw build: typescript is not installed: run `npm install` in the checkout first.\n",
    );
    process.exit(1);
  }
  const project = new URL("../tsconfig.plugin.json", import.meta.url).pathname;
  const result = spawnSync(process.execPath, [tsc, "-p", project], { stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write("vsw build: the declarations of vsw/plugin did not build.\n");
    process.exit(1);
  }
  writeFileSync(
    new URL("plugin.d.ts", dist),
    '/** The public plugin API of vsw: see README.md, "Writing a plugin". */\nexport * from "./types/plugin.js";\n',
  );
}
