// Bundles the CLI into dist/. dist/vsw.js is ONE ESM file holding all of vsw's own code, so a cold
// start reads one file. The heavy libraries (yargs, the AWS SDK, prompts, chalk) are bundled
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

await build({
  ...common,
  // tapable (CommonJS) requires only builtins; getBuiltinModule avoids loading node:module at start-up.
  banner: { js: "#!/usr/bin/env node\nconst require = (id) => process.getBuiltinModule(id);" },
  entryPoints: ["src/cli/bin.ts"],
  outfile: new URL("vsw.js", dist).pathname,
  define: { VSW_VERSION: JSON.stringify(pkg.version) },
  // A native binding cannot be bundled.
  external: ["@napi-rs/keyring"],
  plugins: [vendorPlugin],
});
chmodSync(new URL("vsw.js", dist), 0o755);

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
