/**
 * Shared helpers of the `file` keystore tests: temp directories (never the real HOME), a fake
 * terminal, directory snapshots, plaintext searches and the writer helper process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Terminal } from "../../src/core/vsw.js";
import { type FileStoreOptions, openFileStore } from "../../src/plugins/keystore/file.js";

/** A cheap scrypt cost for tests that are not about the KDF (2^14: 16 MiB, ~15 ms). */
export const CHEAP_KDF = { N: 2 ** 14 };
export const PASSPHRASE = "correct horse battery staple";

const created: string[] = [];

/** A fresh temp directory on disk (ext4 here), removed by {@link removeTempDirs}. */
export function diskDir(prefix = "vsw-ks-"): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** A fresh directory on tmpfs, to act as XDG_RUNTIME_DIR. */
export function ramDir(): string {
  const dir = fs.mkdtempSync("/dev/shm/vsw-test-");
  fs.chmodSync(dir, 0o700);
  created.push(dir);
  return dir;
}

/** Removes every directory made by {@link diskDir} and {@link ramDir}. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A store in a fresh temp dir with a cheap KDF and no unlock cache, unless overridden. */
export function cheapStore(options: FileStoreOptions = {}) {
  return openFileStore({
    dir: options.dir ?? path.join(diskDir(), "store"),
    passphrase: PASSPHRASE,
    kdf: CHEAP_KDF,
    unlockTtlSeconds: 0,
    env: {},
    ...options,
  });
}

/** Every regular file under `dir` with mode, mtime and content hash. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    const stats = fs.lstatSync(file);
    const hash = stats.isFile() ? createHash("sha256").update(fs.readFileSync(file)).digest("hex") : "-";
    out[path.relative(dir, file)] = `${(stats.mode & 0o7777).toString(8)} ${stats.mtimeMs} ${hash}`;
  }
  return out;
}

/** Files under `dirs` whose bytes contain `needle` (UTF-8). */
export function filesContaining(dirs: string[], needle: string): string[] {
  const bytes = Buffer.from(needle, "utf8");
  const hits: string[] = [];
  for (const dir of dirs) {
    for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
      const file = path.join(entry.parentPath, entry.name);
      if (entry.isFile() && fs.readFileSync(file).includes(bytes)) hits.push(file);
    }
  }
  return hits;
}

/** A fake TTY that answers each prompt (text ending in ": ") with the next of `answers`. */
export function fakeTerminal(answers: string[]) {
  const transcript: string[] = [];
  const rawModes: boolean[] = [];
  let opened = 0;
  let closed = 0;
  const terminal: Terminal = {
    open() {
      opened++;
      const input = Object.assign(new PassThrough(), {
        isTTY: true,
        setRawMode: (mode: boolean) => rawModes.push(mode),
      });
      const output = new PassThrough();
      output.on("data", (chunk: Buffer) => {
        const text = chunk.toString("utf8");
        transcript.push(text);
        if (text.endsWith(": ")) {
          const answer = answers.shift();
          setImmediate(() => input.write(answer === undefined ? "\u0004" : `${answer}\r`));
        }
      });
      return {
        input,
        output,
        close: () => {
          closed++;
        },
      };
    },
  };
  return {
    terminal,
    transcript: () => transcript.join(""),
    rawModes,
    counts: () => ({ opened, closed }),
  };
}

const WRITER = fileURLToPath(new URL("./keystore-writer.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** Spawns the writer helper with `job` on stdin; stdout is piped, stderr inherited. */
export function spawnWriter(job: Record<string, unknown>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", WRITER], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "", HOME: os.tmpdir() },
    stdio: ["pipe", "pipe", "inherit"],
  });
  child.stdin?.end(JSON.stringify(job));
  return child;
}

/** Collects a child's stdout and exit status. */
export function finished(
  child: ChildProcess,
): Promise<{ code: number | null; signal: string | null; out: string }> {
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, out }));
  });
}
