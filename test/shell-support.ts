/**
 * Support for the shell-integration tests (test/shell-*.test.ts): a private copy of the built vsw
 * with its shell/ directory, a HOME whose rc files hold the line `vsw init` prints, non-interactive
 * runs of bash, zsh and fish, and a tmux server on a private socket for interactive runs.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { quotePosix } from "../src/plugins/format/shell-quote.js";
import { type Home, makeHome, ROOT, type RunResult, run } from "./helpers/harness.js";

export const WRAPPED_SHELLS = ["bash", "zsh", "fish"] as const;
export type WrappedShell = (typeof WRAPPED_SHELLS)[number];

/** A private install: `<root>/dist`, `<root>/shell`, and `<bin>/vsw` on PATH. */
export interface Install {
  root: string;
  bin: string;
  cleanup(): void;
}

/**
 * Copies the built bundle and the wrappers to a temporary directory (named `name`, which may hold
 * hostile characters), so the tests see one consistent build even while `npm run build` rewrites
 * dist/, and `vsw init` is checked to find shell/ next to the bundle it runs from.
 */
export function makeInstall(name = "vsw"): Install {
  const base = mkdtempSync(join(tmpdir(), "vsw-install-"));
  const root = join(base, name);
  mkdirSync(root);
  for (let attempt = 0; ; attempt++) {
    try {
      cpSync(join(ROOT, "dist"), join(root, "dist"), { recursive: true });
      if (existsSync(join(root, "dist", "vsw.cjs")) && existsSync(join(root, "dist", "vsw-cli.cjs"))) break;
    } catch (error) {
      if (attempt > 20) throw error;
    }
    spawnSync("sleep", ["1"]);
  }
  cpSync(join(ROOT, "shell"), join(root, "shell"), { recursive: true });
  // External modules of the bundle (the native keyring binding) resolve from here.
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  const bin = join(base, "bin");
  mkdirSync(bin);
  const script = `exec ${quotePosix(process.execPath)} ${quotePosix(join(root, "dist", "vsw.cjs"))} "$@"`;
  writeFileSync(join(bin, "vsw"), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, "vsw"), 0o755);
  return { root, bin, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

/**
 * A HOME for shell tests. Its keystore passphrase is its own: the shells here save whole
 * environments to files in HOME, and test/cli.test.ts scans the temp dir for the shared
 * passphrase while other test files run.
 */
export function shellHome(): Home {
  return makeHome({ VSW_FILE_PASSPHRASE: "shell tests: a passphrase of their own" });
}

/** The environment of a shell in `home` with `install` on PATH. */
export function shellEnv(home: Home, install: Install, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...home.env,
    PATH: `${install.bin}:${process.env.PATH}`,
    TERM: "xterm-256color",
    ...extra,
  };
}

/** Runs `vsw init SHELL` and appends its line to the shell's rc file in `home`, as the README says. */
export async function installRcLine(home: Home, install: Install, shell: WrappedShell): Promise<string> {
  const result = await run("vsw", ["init", shell], { env: shellEnv(home, install) });
  if (result.code !== 0) throw new Error(`vsw init ${shell} failed: ${result.stderr}`);
  const rc = rcFile(home, shell);
  mkdirSync(join(rc, ".."), { recursive: true });
  writeFileSync(rc, result.stdout, { flag: "a" });
  return result.stdout;
}

/** The rc file each shell reads: ~/.bashrc, ~/.zshrc, ~/.config/fish/config.fish. */
export function rcFile(home: Home, shell: WrappedShell): string {
  if (shell === "bash") return join(home.dir, ".bashrc");
  if (shell === "zsh") return join(home.dir, ".zshrc");
  return join(home.dir, ".config", "fish", "config.fish");
}

/**
 * Runs `script` in a non-interactive `shell` that has read its rc file first (bash and zsh read
 * theirs only when interactive, so it is sourced explicitly; fish reads config.fish always).
 */
export function runShell(
  shell: WrappedShell,
  home: Home,
  install: Install,
  script: string,
  extra: NodeJS.ProcessEnv = {},
): Promise<RunResult> {
  const env = shellEnv(home, install, extra);
  if (shell === "bash")
    return run("bash", ["--norc", "--noprofile", "-c", `. ~/.bashrc\n${script}`], { env });
  if (shell === "zsh") return run("zsh", ["-f", "-c", `. ~/.zshrc\n${script}`], { env });
  return run("fish", ["-c", script], { env });
}

/** `VAR=value` lines of the AWS_ and VSW_ variables, NUL-separated, as `env -0` prints them. */
export function switchVariables(stdout: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of stdout.split("\0")) {
    const eq = entry.indexOf("=");
    const name = entry.slice(0, eq);
    if (eq > 0 && /^(AWS|VSW)_/.test(name)) found.set(name, entry.slice(eq + 1));
  }
  return found;
}

/** A tmux server on a private socket, for driving interactive shells headless. */
export interface Tmux {
  /** Starts `command` in a new session `name`, 160×50. */
  start(name: string, command: string[], env: NodeJS.ProcessEnv): void;
  send(name: string, ...keys: string[]): void;
  /** Sends text literally (no key names), then Enter when asked. */
  type(name: string, text: string, enter?: boolean): void;
  /** The visible screen, trailing blank lines removed. */
  screen(name: string): string;
  /** Ends session `name` and waits a moment for its shell to exit. */
  stop(name: string): void;
  /** Waits until the screen matches `pattern` (default 20 s), else throws with the screen. */
  waitFor(name: string, pattern: RegExp, timeoutMs?: number): Promise<string>;
  kill(): void;
}

export function startTmux(): Tmux {
  const dir = mkdtempSync(join(tmpdir(), "vsw-tmux-"));
  const socket = join(dir, "socket");
  const tmux = (args: string[], env?: NodeJS.ProcessEnv) => {
    const result = spawnSync("tmux", ["-S", socket, "-f", "/dev/null", ...args], { encoding: "utf8", env });
    if (result.status !== 0) throw new Error(`tmux ${args[0]} failed: ${result.stderr}`);
    return result.stdout;
  };
  return {
    start(name, command, env) {
      // `env -i` rather than `new-session -e`: tmux keeps its global PATH over a session's.
      const vars = Object.entries(env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
      tmux(
        ["new-session", "-d", "-s", name, "-x", "160", "-y", "50", "--", "env", "-i", ...vars, ...command],
        {
          PATH: process.env.PATH,
        },
      );
    },
    send(name, ...keys) {
      tmux(["send-keys", "-t", name, ...keys]);
    },
    type(name, text, enter = true) {
      tmux(["send-keys", "-t", name, "-l", text]);
      if (enter) tmux(["send-keys", "-t", name, "Enter"]);
    },
    stop(name) {
      spawnSync("tmux", ["-S", socket, "kill-session", "-t", name]);
      spawnSync("sleep", ["0.5"]);
    },
    screen(name) {
      return tmux(["capture-pane", "-p", "-t", name]).replace(/\s+$/, "");
    },
    async waitFor(name, pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = this.screen(name);
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on:\n${text}`);
        await sleep(100);
      }
    },
    kill() {
      spawnSync("tmux", ["-S", socket, "kill-server"]);
      // The shells exit on SIGHUP a moment later; their HOMEs are removed after this.
      spawnSync("sleep", ["0.5"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Removes a HOME that a shell may still be writing to (fish generates completions in the
 * background on its first interactive start): a few tries, then give up quietly.
 */
export async function removeHome(home: Home | undefined): Promise<void> {
  for (let attempt = 0; home && attempt < 10; attempt++) {
    try {
      home.cleanup();
      return;
    } catch {
      await sleep(300);
    }
  }
}
