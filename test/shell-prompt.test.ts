/**
 * The prompt segment `vsw_prompt` in real bash, zsh and fish: what it prints for each state, its
 * format tokens, that it survives each shell's prompt expansion, that it never runs anything found
 * in a variable, and that it forks no process (counted with strace, and checked with an empty PATH).
 * Also: sourcing a wrapper forks nothing (its time is printed, not asserted).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ROOT, requireTool } from "./helpers/harness.js";
import { WRAPPED_SHELLS, type WrappedShell } from "./shell-support.js";

const scratch = mkdtempSync(join(tmpdir(), "vsw-prompt-"));
const canary = join(scratch, "canary");
after(() => rmSync(scratch, { recursive: true, force: true }));

const wrapper = (shell: WrappedShell) => join(ROOT, "shell", `vsw.${shell}`);
/** Absolute paths, so a test can run a shell with an empty PATH. */
const SHELL_PATHS = Object.fromEntries(
  WRAPPED_SHELLS.map((shell) => [
    shell,
    spawnSync("sh", ["-c", `command -v ${shell}`], { encoding: "utf8" }).stdout.trim(),
  ]),
) as Record<WrappedShell, string>;

/** Runs `script` in `shell` after sourcing the wrapper, with only `env` (and PATH unless given). */
function prompt(shell: WrappedShell, script: string, env: NodeJS.ProcessEnv = {}) {
  const source = `source '${wrapper(shell)}'\n${script}`;
  const args =
    shell === "bash"
      ? ["--norc", "--noprofile", "-c", source]
      : shell === "zsh"
        ? ["-f", "-c", source]
        : ["--no-config", "-c", source];
  const result = spawnSync(SHELL_PATHS[shell] || shell, args, {
    env: { PATH: process.env.PATH, LANG: "C.UTF-8", HOME: scratch, ...env },
    encoding: "utf8",
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
}

const now = () => Math.floor(Date.now() / 1000);
/** A session of `seconds` left, with slack so the minute shown cannot tick over while the shell starts. */
const session = (seconds: number, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  VSW_PROFILE: "prod",
  VSW_ACCOUNT_ID: "333333333333",
  VSW_REGION: "us-east-2",
  VSW_EXPIRATION: String(now() + seconds + 30),
  ...extra,
});

const GREEN = "\u001b[32m";
const YELLOW = "\u001b[33m";
const RED = "\u001b[31m";
const RESET = "\u001b[0m";

/** Counts process creations (fork, vfork, clone without CLONE_THREAD, execve after the first) in an strace log. */
function forks(log: string): string[] {
  const lines = log.split("\n");
  const execs = lines.filter((l) => /\bexecve\(/.test(l)).slice(1);
  const spawned = lines.filter(
    (l) => /\b(fork|vfork)\(/.test(l) || (/\bclone3?\(/.test(l) && !l.includes("CLONE_THREAD")),
  );
  return [...spawned, ...execs];
}

for (const shell of WRAPPED_SHELLS) {
  describe(`vsw_prompt in ${shell}`, () => {
    test(`${shell} prints profile, account and minutes left in green`, (t) => {
      if (!requireTool(t, shell)) return;
      assert.equal(
        prompt(shell, "vsw_prompt", session(42 * 60)).stdout,
        `${GREEN}prod 333333333333 42m${RESET}`,
      );
    });

    test(`${shell} prints hours and minutes for a long session`, (t) => {
      if (!requireTool(t, shell)) return;
      assert.equal(
        prompt(shell, "vsw_prompt", session(3900)).stdout,
        `${GREEN}prod 333333333333 1h05m${RESET}`,
      );
    });

    test(`${shell} turns yellow under 15 minutes`, (t) => {
      if (!requireTool(t, shell)) return;
      assert.equal(
        prompt(shell, "vsw_prompt", session(10 * 60)).stdout,
        `${YELLOW}prod 333333333333 10m${RESET}`,
      );
    });

    test(`${shell} turns red and says expired after expiry`, (t) => {
      if (!requireTool(t, shell)) return;
      const env = session(0, { VSW_EXPIRATION: String(now() - 5) });
      assert.equal(prompt(shell, "vsw_prompt", env).stdout, `${RED}prod 333333333333 expired${RESET}`);
    });

    test(`${shell} prints nothing when no vsw session is active`, (t) => {
      if (!requireTool(t, shell)) return;
      const result = prompt(shell, `vsw_prompt; echo "[status=${shell === "fish" ? "$status" : "$?"}]"`, {});
      assert.equal(result.stdout, "[status=0]\n");
    });

    test(`${shell} honours NO_COLOR`, (t) => {
      if (!requireTool(t, shell)) return;
      assert.equal(
        prompt(shell, "vsw_prompt", session(42 * 60, { NO_COLOR: "1" })).stdout,
        "prod 333333333333 42m",
      );
    });

    test(`${shell} follows VSW_PROMPT_FORMAT: %p %a %r %t %% and unknown tokens kept`, (t) => {
      if (!requireTool(t, shell)) return;
      const env = session(42 * 60, { NO_COLOR: "1", VSW_PROMPT_FORMAT: "aws:%p@%r (%a) %t 100%% %x %" });
      assert.equal(
        prompt(shell, "vsw_prompt", env).stdout,
        "aws:prod@us-east-2 (333333333333) 42m 100% %x %",
      );
    });

    test(`${shell} shows no time when the session has no expiry (long-lived keys)`, (t) => {
      if (!requireTool(t, shell)) return;
      const env = { VSW_PROFILE: "base", NO_COLOR: "1", VSW_PROMPT_FORMAT: "[%p|%t]" };
      assert.equal(prompt(shell, "vsw_prompt", env).stdout, "[base|]");
    });

    test(`${shell} leaves no doubled or trailing space where a value is empty`, (t) => {
      if (!requireTool(t, shell)) return;
      const noAccount = { ...session(42 * 60, { NO_COLOR: "1" }), VSW_ACCOUNT_ID: "" };
      assert.equal(prompt(shell, "vsw_prompt", noAccount).stdout, "prod 42m");
      assert.equal(prompt(shell, "vsw_prompt", { VSW_PROFILE: "base", NO_COLOR: "1" }).stdout, "base");
      const spaced = { ...session(42 * 60, { NO_COLOR: "1" }), VSW_PROMPT_FORMAT: "%p  %t" };
      assert.equal(prompt(shell, "vsw_prompt", spaced).stdout, "prod  42m");
    });

    test(`${shell}'s vsw_prompt -v NAME stores the colour's name in NAME_color`, (t) => {
      if (!requireTool(t, shell)) return;
      const print = 'vsw_prompt -v X; printf "%s," "$X_color"';
      assert.equal(prompt(shell, print, session(42 * 60)).stdout, "green,");
      assert.equal(prompt(shell, print, session(60)).stdout, "yellow,");
      assert.equal(prompt(shell, print, session(0, { VSW_EXPIRATION: "1" })).stdout, "red,");
      assert.equal(prompt(shell, print, {}).stdout, ",");
    });

    test(`${shell} never evaluates a variable's value, and masks control characters`, (t) => {
      if (!requireTool(t, shell)) return;
      const env = {
        NO_COLOR: "1",
        VSW_PROFILE: `$(touch ${canary})\`touch ${canary}\`%p\u001b]0;x\u0007`,
        VSW_ACCOUNT_ID: "a[$(touch CANARY)]".replace("CANARY", canary),
        VSW_EXPIRATION: `a[$(touch ${canary})]`,
        VSW_PROMPT_FORMAT: "%p %a %t",
      };
      const result = prompt(shell, "vsw_prompt; vsw_prompt -v X 2>/dev/null", env);
      assert.equal(
        result.stdout,
        `${env.VSW_PROFILE.replace("\u001b", "?").replace("\u0007", "?")} ${env.VSW_ACCOUNT_ID}`,
      );
      assert.equal(existsSync(canary), false);
    });

    test(`${shell}'s vsw_prompt forks no process (strace)`, (t) => {
      if (!requireTool(t, shell) || !requireTool(t, "strace")) return;
      const log = join(scratch, `strace-${shell}`);
      const script = "vsw_prompt; vsw_prompt -v X; vsw_prompt";
      const args =
        shell === "bash"
          ? ["--norc", "--noprofile", "-c"]
          : shell === "zsh"
            ? ["-f", "-c"]
            : ["--no-config", "-c"];
      for (const env of [session(42 * 60), session(60), session(0, { VSW_EXPIRATION: "1" })]) {
        const result = spawnSync(
          "strace",
          ["-f", "-e", "trace=process", "-o", log, shell, ...args, `source '${wrapper(shell)}'; ${script}`],
          { env: { PATH: process.env.PATH, LANG: "C.UTF-8", HOME: scratch, ...env }, encoding: "utf8" },
        );
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /prod 333333333333/);
        assert.deepEqual(forks(readFileSync(log, "utf8")), [], "vsw_prompt (or sourcing) started a process");
      }
    });

    test(`${shell}'s vsw_prompt needs no external command (empty PATH)`, (t) => {
      if (!requireTool(t, shell)) return;
      const result = prompt(shell, "vsw_prompt", { ...session(42 * 60), PATH: "/nonexistent" });
      assert.equal(result.stdout, `${GREEN}prod 333333333333 42m${RESET}`);
      assert.equal(result.stderr, "");
    });

    test(`Sourcing the ${shell} wrapper starts no process and is quick`, (t) => {
      if (!requireTool(t, shell)) return;
      const timer =
        shell === "bash"
          ? `s=$EPOCHREALTIME; source '${wrapper(shell)}'; e=$EPOCHREALTIME; echo $(( \${e/./} - \${s/./} ))`
          : shell === "zsh"
            ? `zmodload zsh/datetime; s=$EPOCHREALTIME; source '${wrapper(shell)}'; e=$EPOCHREALTIME; printf '%.0f' $(( (e - s) * 1e6 ))`
            : `set s (date +%s%6N); source '${wrapper(shell)}'; set e (date +%s%6N); math $e - $s`;
      const args =
        shell === "bash"
          ? ["--norc", "--noprofile", "-c"]
          : shell === "zsh"
            ? ["-f", "-c"]
            : ["--no-config", "-c"];
      const samples = Array.from({ length: 5 }, () =>
        Number(spawnSync(shell, [...args, timer], { encoding: "utf8" }).stdout),
      );
      samples.sort((a, b) => a - b);
      // A bench note, not an assertion: timing on a shared machine is noise.
      t.diagnostic(`sourcing vsw.${shell}: median ${((samples[2] ?? 0) / 1000).toFixed(2)} ms (5 runs)`);
      assert.ok(samples.every((us) => Number.isFinite(us)));
    });
  });
}

describe("The prompt string through each shell's prompt expansion", () => {
  test("bash: vsw_prompt -v gives PS1 text whose colours are readline-invisible and whose name stays literal", (t) => {
    if (!requireTool(t, "bash")) return;
    const env = session(42 * 60, { VSW_PROFILE: `\\w $(touch ${canary}) \`id\` %%` });
    const result = prompt("bash", `vsw_prompt -v VSW_PS1; PS1='\${VSW_PS1}>'; printf '%s' "\${PS1@P}"`, env);
    assert.equal(
      result.stdout,
      `\u0001${GREEN}\u0002${env.VSW_PROFILE} 333333333333 42m\u0001${RESET}\u0002>`,
    );
    assert.equal(existsSync(canary), false);
  });

  test("zsh: vsw_prompt -v gives prompt text whose % survive prompt expansion, with prompt_subst", (t) => {
    if (!requireTool(t, "zsh")) return;
    const env = session(42 * 60, { VSW_PROFILE: `%n %~ %{x%} $(touch ${canary}) \${HOME}`, NO_COLOR: "1" });
    const result = prompt(
      "zsh",
      `setopt prompt_subst; vsw_prompt -v VSW_PS1; PROMPT='\${VSW_PS1}>'; print -rn -- "\${(%)\${(e)PROMPT}}"`,
      env,
    );
    assert.equal(result.stdout, `${env.VSW_PROFILE} 333333333333 42m>`);
    assert.equal(existsSync(canary), false);
  });

  test("zsh: the colours of vsw_prompt -v are wrapped in %{ %}", (t) => {
    if (!requireTool(t, "zsh")) return;
    const result = prompt("zsh", `vsw_prompt -v X; print -rn -- "$X"`, session(42 * 60));
    assert.equal(result.stdout, `%{${GREEN}%}prod 333333333333 42m%{${RESET}%}`);
  });

  test("A variable name for -v that is not an identifier is refused", (t) => {
    for (const shell of ["bash", "zsh"] as const) {
      if (!requireTool(t, shell)) return;
      const result = prompt(shell, `vsw_prompt -v 'a[$(touch ${canary})]'; echo "status=$?"`, session(60));
      assert.match(result.stdout, /status=2/);
      assert.equal(existsSync(canary), false);
    }
  });
});
