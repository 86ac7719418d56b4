/**
 * Keeps the section index (core/config-index.ts) of a large config or credentials file in the
 * user's cache directory, so a switch with a 5,000-profile `~/.aws/config` parses a handful of
 * sections instead of all of them.
 *
 * An index file is trusted only for the file it was made from, unchanged: same path, device,
 * inode, size, and modification and change times to the nanosecond, and only when it matches its
 * own SHA-256. It is written only for a file last changed more than {@link SETTLED_MS} before: a
 * file changed again within the same clock tick would otherwise keep its times and size (git's
 * "racy" index problem), and one changed later gets newer times than the index has. It holds
 * offsets and line numbers, never a name or a value.
 */
import { hash } from "node:crypto";
import { type BigIntStats, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildSectionIndex, type Env, type IniFileKind, indexFits, type SectionIndex } from "../../plugin.js";

/** Files smaller than this are parsed whole: that takes well under a millisecond. */
export const INDEX_MIN_CHARS = 64 * 1024;
/** How long a file must have been left alone before its index is written. */
export const SETTLED_MS = 2000;
const VERSION = 1;

/** What a stored index describes: the file's identity. */
interface Header {
  v: number;
  path: string;
  kind: IniFileKind;
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  length: number;
  count: number;
  buckets: number;
  sha256: string;
}

/** The directory of the stored indexes, or undefined where there is no home to keep them in. */
function indexDir(env: Env): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  if (!base?.startsWith("/")) return undefined;
  return join(base, "vsw", "config-index");
}

function identity(path: string, kind: IniFileKind, stats: BigIntStats) {
  return {
    path,
    kind,
    dev: String(stats.dev),
    ino: String(stats.ino),
    size: String(stats.size),
    mtimeNs: String(stats.mtimeNs),
    ctimeNs: String(stats.ctimeNs),
  };
}

/**
 * The index of `text`, read from `path` whose `stats` were taken on the open file: the stored one
 * when it describes this very file, else a new one (stored when the file has settled). Undefined
 * for a small file, or one that does not parse (the resolver's full parse then reports it).
 */
export function sectionIndexFor(
  env: Env,
  path: string,
  kind: IniFileKind,
  text: string,
  stats: BigIntStats | undefined,
  trace: (what: string) => void = () => {},
): SectionIndex | undefined {
  if (text.length < INDEX_MIN_CHARS || stats === undefined) return undefined;
  const dir = indexDir(env);
  const file =
    dir === undefined ? undefined : join(dir, `${hash("sha256", path, "hex").slice(0, 24)}-${kind}.idx`);
  const id = identity(path, kind, stats);
  const stored = file === undefined ? undefined : load(file, id, text);
  if (stored !== undefined) {
    trace("reused");
    return stored;
  }
  let index: SectionIndex;
  try {
    index = buildSectionIndex(text, path, kind);
  } catch {
    trace("none: the file does not parse");
    return undefined;
  }
  const settled = Date.now() - SETTLED_MS;
  if (file === undefined) trace("built, not kept: no cache directory");
  else if (Number(stats.mtimeMs) >= settled || Number(stats.ctimeMs) >= settled) {
    trace(`built, not kept: the file changed less than ${SETTLED_MS / 1000} s ago`);
  } else
    trace(save(file, id, index) ? "built and kept" : "built, not kept: the cache directory is not writable");
  return index;
}

function arrays(index: SectionIndex): Int32Array[] {
  return [index.starts, index.lines, index.bucketStart, index.entries];
}

function save(file: string, id: ReturnType<typeof identity>, index: SectionIndex): boolean {
  const payload = Buffer.concat(arrays(index).map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
  const header: Header = {
    v: VERSION,
    ...id,
    length: index.length,
    count: index.starts.length,
    buckets: index.bucketStart.length - 1,
    sha256: hash("sha256", payload, "hex"),
  };
  try {
    mkdirSync(join(file, ".."), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), payload]), { mode: 0o600 });
    renameSync(tmp, file);
    return true;
  } catch {
    // An index is an optimisation only: a read-only or full disk means the next run parses again.
    return false;
  }
}

function load(file: string, id: ReturnType<typeof identity>, text: string): SectionIndex | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    const newline = bytes.indexOf(10);
    if (newline < 0) return undefined;
    const header = JSON.parse(bytes.subarray(0, newline).toString("utf8")) as Header;
    if (header.v !== VERSION) return undefined;
    for (const key of Object.keys(id) as Array<keyof typeof id>) {
      if (header[key] !== id[key]) return undefined;
    }
    const payload = bytes.subarray(newline + 1);
    if (hash("sha256", payload, "hex") !== header.sha256) return undefined;
    const { count, buckets } = header;
    if (!Number.isInteger(count) || !Number.isInteger(buckets) || count < 0 || buckets < 1) return undefined;
    if (payload.length !== (3 * count + buckets + 1) * 4) return undefined;
    // Copied into aligned memory: the payload's offset in the file is not a multiple of 4.
    const all = new Int32Array(new Uint8Array(payload).buffer);
    const index: SectionIndex = {
      text,
      length: header.length,
      starts: all.subarray(0, count),
      lines: all.subarray(count, 2 * count),
      bucketStart: all.subarray(2 * count, 2 * count + buckets + 1),
      entries: all.subarray(2 * count + buckets + 1),
    };
    return indexFits(index, text) ? index : undefined;
  } catch {
    return undefined;
  }
}
