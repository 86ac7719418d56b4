/**
 * A throwaway `pass` world for tests: a temporary GNUPGHOME (0700) with an ed25519 key made
 * without a passphrase, and a password store initialised for it in a temporary folder. Nothing
 * touches the user's keyring or ~/.password-store. `close()` stops that GNUPGHOME's gpg-agent
 * (else it outlives the test) and removes both folders.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PassWorld {
  /** PATH, HOME, GNUPGHOME and PASSWORD_STORE_DIR for pass, gpg and vsw. */
  env: Record<string, string>;
  storeDir: string;
  gnupgHome: string;
  /** Fingerprint of the world's key, the store's .gpg-id. */
  fingerprint: string;
  close(): Promise<void>;
}

/** Makes a GNUPGHOME with a fresh key (`passphrase` '' = none) in `dir`; returns its fingerprint. */
export function makeGpgHome(dir: string, options: { passphrase?: string; expire?: string } = {}): string {
  chmodSync(dir, 0o700);
  const env = { PATH: process.env.PATH ?? "", GNUPGHOME: dir, LC_ALL: "C" };
  execFileSync(
    "gpg",
    [
      "--batch",
      "--pinentry-mode",
      "loopback",
      "--passphrase",
      options.passphrase ?? "",
      "--quick-generate-key",
      "vsw test <test@example.invalid>",
      "future-default",
      "default",
      options.expire ?? "never",
    ],
    { env, stdio: ["ignore", "ignore", "ignore"] },
  );
  const colons = execFileSync("gpg", ["--batch", "--with-colons", "--list-secret-keys"], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  const fingerprint = /^fpr:(?:[^:]*:){8}([0-9A-F]{40}):/m.exec(colons)?.[1];
  if (!fingerprint) throw new Error("gpg made no key");
  return fingerprint;
}

/** Stops the gpg-agent of `gnupgHome` (quietly: there may be none). */
export function killAgent(gnupgHome: string): void {
  try {
    execFileSync("gpgconf", ["--kill", "gpg-agent"], {
      env: { PATH: process.env.PATH ?? "", GNUPGHOME: gnupgHome },
      stdio: "ignore",
    });
  } catch {
    // No agent running.
  }
}

/** Starts a pass world: a temporary GNUPGHOME with a key and a store initialised for it. */
export async function startPassWorld(): Promise<{
  env: Record<string, string>;
  storeDir: string;
  gnupgHome: string;
  fingerprint: string;
  close(): Promise<void>;
}> {
  const root = mkdtempSync(join(tmpdir(), "vsw-pass-"));
  const gnupgHome = mkdtempSync(join(root, "gnupg-"));
  const storeDir = join(root, "store");
  const home = join(root, "home");
  const fingerprint = makeGpgHome(gnupgHome);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    LANG: "C.UTF-8",
    GNUPGHOME: gnupgHome,
    PASSWORD_STORE_DIR: storeDir,
  };
  execFileSync("pass", ["init", fingerprint], { env, stdio: "ignore" });
  return {
    env,
    storeDir,
    gnupgHome,
    fingerprint,
    async close() {
      killAgent(gnupgHome);
      rmSync(root, { recursive: true, force: true });
    },
  };
}
