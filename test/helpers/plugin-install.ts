/**
 * Installs vsw and plugin packages the way a team would: `npm pack` of the checkout (after
 * `npm run build`) and of a plugin package, then `npm install` of both tarballs into a temporary
 * directory. Offline: vsw's own dependencies are copied in from the checkout's node_modules first,
 * where npm finds them already satisfied (a warm npm cache would serve the same files).
 *
 * ```ts
 * const installed = installPackages([packVsw(), packDirectory(join(ROOT, "examples", "mfa-totp"))]);
 * // VSW_PLUGIN_DIR=installed.dir, then `--plugin vsw-plugin-mfa-totp`; or run installed.vsw.
 * ```
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./harness.js";

/** A directory with packages installed in its node_modules. */
export interface Installed {
  /** The project directory (usable as `VSW_PLUGIN_DIR`: packages are in its node_modules). */
  dir: string;
  /** The installed vsw's bin, `node_modules/vsw/dist/vsw.cjs`. */
  vsw: string;
  cleanup(): void;
}

/** Files a packed vsw must hold for a plugin to be installed against it. */
const PACKED = [
  "dist/vsw.cjs",
  "dist/vsw-cli.cjs",
  "dist/vsw-cli.cache",
  "dist/vsw-hot.cjs",
  "dist/vsw-hot.cache",
  "dist/plugin.js",
  "dist/plugin.d.ts",
];

let workDir: string | undefined;
let vswTarball: string | undefined;

/** A temporary directory for this test process's tarballs, removed when the process exits. */
function work(): string {
  if (!workDir) {
    const dir = mkdtempSync(join(tmpdir(), "vsw-pack-"));
    workDir = dir;
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  }
  return workDir;
}

/** An environment for npm that reads nothing of the user's (no ~/.npmrc, a private cache). */
function npmEnv(home: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: home,
    npm_config_cache: join(home, ".npm"),
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
}

function npm(args: string[], cwd: string, home: string): string {
  const result = spawnSync("npm", args, { cwd, env: npmEnv(home), encoding: "utf8" });
  if (result.status !== 0) throw new Error(`npm ${args.join(" ")} failed in ${cwd}:\n${result.stderr}`);
  return result.stdout;
}

/** Packs `dir` (a package directory) without running its scripts; returns the tarball's path. */
export function packDirectory(dir: string): string {
  const dest = mkdtempSync(join(work(), "tgz-"));
  const out = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", dest, dir], dir, work());
  const [packed] = JSON.parse(out) as Array<{ filename: string }>;
  if (!packed) throw new Error(`npm pack of ${dir} made no tarball`);
  return join(dest, packed.filename);
}

/** Packs the checkout once per test process (it must be built: `npm run build`). */
export function packVsw(): string {
  if (vswTarball) return vswTarball;
  const missing = PACKED.filter((file) => !existsSync(join(ROOT, file)));
  if (missing.length) throw new Error(`vsw is not built (missing ${missing.join(", ")}): run npm run build`);
  vswTarball = packDirectory(ROOT);
  return vswTarball;
}

/**
 * `npm install` of `tarballs` (vsw's among them) into a fresh directory, offline. The project is
 * ESM (`"type": "module"`), so a test may write `.mjs` or `.js` files that import `vsw/plugin`.
 */
export function installPackages(tarballs: string[]): Installed {
  const dir = mkdtempSync(join(tmpdir(), "vsw-install-"));
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ private: true, type: "module" }, null, 2)}\n`);
  seedDependencies(join(dir, "node_modules"));
  npm(["install", "--offline", "--ignore-scripts", "--no-save", ...tarballs], dir, work());
  return {
    dir,
    vsw: join(dir, "node_modules", "vsw", "dist", "vsw.cjs"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Copies the checkout's production dependencies (per its package-lock.json) into `modules`. */
function seedDependencies(modules: string): void {
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  mkdirSync(modules, { recursive: true });
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith("node_modules/") || entry.dev) continue;
    // Nested copies (node_modules/a/node_modules/b) come along with their parent.
    if (path.indexOf("/node_modules/", "node_modules/".length) >= 0) continue;
    const from = join(ROOT, path);
    if (existsSync(from))
      cpSync(from, join(modules, path.slice("node_modules/".length)), { recursive: true });
  }
}
