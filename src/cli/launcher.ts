/**
 * The `vsw` binary (dist/vsw.cjs): starts a CLI bundle through V8's code cache, so a switch pays
 * neither Node's ESM loader nor the compilation of the bundle.
 *
 * Two bundles of the same sources (scripts/build.mjs): dist/vsw-hot.cjs for the hot commands (a
 * switch: `env`, `export`, `off`; Tab: `__complete`), without yargs and the other commands, and
 * dist/vsw-cli.cjs with everything. A hot command's words that the strict fast path does not
 * accept (`vsw env --help`) are handed to the full bundle ({@link Main}'s `full`) before anything
 * else was done. Why two: a switch then reads, checks and deserialises a quarter less.
 *
 * Why CommonJS and `vm.Script`: on Node 20 an ESM entry costs about 4 ms more than a CommonJS one,
 * and compiling the bundle on every start was most of the rest (README, Performance). The code
 * cache comes from two places: the user's own copy, made at the end of the first run of each kind
 * of command and kept under the user's cache directory, named after the bundle's build id (a hash
 * of the bundles), Node's version and the architecture; else `vsw-hot.cache` or `vsw-cli.cache`,
 * written beside the bundle by the build. V8 checks a cache against its own version, flags and the
 * source's length and rejects one that does not match (vsw then compiles as usual); the build id in
 * the name ties it to the exact bundles, and a digest to its bytes (see {@link read}). A cache is
 * only compiled code: no run-time value, so no secret, is in it.
 *
 * The bundle's `import()` calls are rewritten at build time to `__vswImport`, performed here:
 * code compiled through `vm.Script` has no dynamic-import callback of its own on Node 20. The build
 * wraps each bundle in a function of the parameters of {@link Main}, so no copy of its 200–300 KB is
 * made here to wrap it.
 */

import { hash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Script } from "node:vm";

declare const VSW_BUILD_ID: string;

/** The bundle's parameters, in the order of the wrapper's. */
type Main = (
  require: NodeJS.Require,
  module: NodeJS.Module,
  filename: string,
  dirname: string,
  vswImport: (specifier: string) => Promise<unknown>,
  meta: { readonly url: string },
  /** Starts the full bundle (dist/vsw-cli.cjs) on the same command line; the hot bundle's hand-off. */
  full: () => void,
) => void;

const DIGEST = 32;

/**
 * Which copy of the user's cache a run uses: one per kind of command, so the copy a run of `vsw env`
 * reads was made by such a run and holds the functions it needs (a copy made by Tab completion
 * would leave them to be compiled on every switch).
 */
function kind(word: string | undefined): string {
  if (word === "env" || word === "export" || word === "off") return "switch";
  if (word === "__complete") return "complete";
  return "other";
}

/** The user's copy of the cache of a kind, or undefined where there is no home to keep it in. */
function userCacheFile(kind: string): string | undefined {
  const env = process.env;
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  if (!base?.startsWith("/")) return undefined;
  const name = `${VSW_BUILD_ID}-${process.version}-${process.arch}-${kind}.cache`;
  return join(base, "vsw", "code", name);
}

/**
 * A cache file: the SHA-256 of the V8 data, then the data. Why the digest: V8 checks a cache's
 * version, flags and length but not its bytes, and a damaged cache crashes Node (SIGSEGV) instead
 * of being rejected; a file that does not match its digest is ignored (and replaced).
 */
function read(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  const data = bytes.subarray(DIGEST);
  // The one-shot hash: half the time of a Hash object on 300 KB.
  const digest = hash("sha256", data, "buffer");
  return bytes.length > DIGEST && digest.equals(bytes.subarray(0, DIGEST)) ? data : undefined;
}

/** The bytes of a cache file for `data` (see {@link read}). */
function sealed(data: Buffer): Buffer {
  return Buffer.concat([hash("sha256", data, "buffer"), data]);
}

/** The text of a bundle; a broken install is one line and exit 1, as every vsw failure. */
function readBundle(bundle: string): string {
  try {
    return readFileSync(bundle, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    process.stderr.write(
      `vsw: Could not read "${bundle}" (${code}): this vsw installation is incomplete. (VSW_INSTALL_BROKEN)\nhint: Reinstall vsw (npm install -g vsw), or run npm run build in a checkout.\n`,
    );
    process.exit(1);
  }
}

/**
 * Runs the bundle `name` (dist/NAME.cjs) for a command of `kind`: from the user's cache of that
 * kind, else the build's (dist/NAME.cache), else compiled.
 */
function start(name: string, kind: string): void {
  const bundle = join(__dirname, `${name}.cjs`);
  const source = readBundle(bundle);
  const userFile = userCacheFile(kind);
  const mine = read(userFile);
  let script = mine === undefined ? undefined : new Script(source, { filename: bundle, cachedData: mine });
  const fresh = script?.cachedDataRejected !== false;
  if (script === undefined || fresh) {
    script = new Script(source, { filename: bundle, cachedData: read(join(__dirname, `${name}.cache`)) });
  }
  const compiled = script;
  // A run handed to the full bundle compiled little of this one: its copy would be a poor one.
  let handedOff = false;
  if (fresh && userFile !== undefined) process.once("exit", () => handedOff || keep(userFile, compiled));
  // The bundle's `import.meta`: its URL is made when first read (most runs never do).
  const meta = {
    get url(): string {
      const url = pathToFileURL(bundle).href;
      Object.defineProperty(this, "url", { value: url });
      return url;
    },
  };
  const vswImport = (specifier: string): Promise<unknown> =>
    import(specifier.startsWith(".") ? new URL(specifier, meta.url).href : specifier);
  (compiled.runInThisContext() as Main)(require, module, bundle, __dirname, vswImport, meta, () => {
    handedOff = true;
    start("vsw-cli", "other");
  });
}

/**
 * Writes the user's copy of a cache at exit, so the functions this run compiled are in it. Best
 * effort: a read-only or full disk only means the next start compiles again.
 */
function keep(userFile: string, compiled: Script): void {
  try {
    const dir = join(userFile, "..");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${userFile}.${process.pid}.tmp`;
    writeFileSync(tmp, sealed(compiled.createCachedData()), { mode: 0o600 });
    renameSync(tmp, userFile);
    // The caches of other builds and Node versions are dead weight once a week old (not at once:
    // two installs used in turn would keep replacing each other's).
    const prefix = `${VSW_BUILD_ID}-${process.version}-${process.arch}-`;
    const old = Date.now() - 7 * 86_400_000;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      // A temporary file left by a run killed while writing is dead weight after a minute.
      const limit = name.endsWith(".tmp") ? Date.now() - 60_000 : old;
      if ((name.startsWith(prefix) && !name.endsWith(".tmp")) || statSync(file).mtimeMs > limit) continue;
      rmSync(file, { force: true });
    }
  } catch {
    // A cache is an optimisation only.
  }
}

const kindOfRun = kind(process.argv[2]);
start(kindOfRun === "other" ? "vsw-cli" : "vsw-hot", kindOfRun);
