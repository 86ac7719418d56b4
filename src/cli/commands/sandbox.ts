import type { ChildProcess } from "node:child_process";
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { basename, delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import { quoteFish, quotePosix } from "../../plugins/format/shell-quote.js";
import { type GlobalArgs, pluginDir } from "../context.js";
import { yargsHead } from "../options.js";
import { sandboxConfig, sandboxWorld } from "../sandbox-world.js";
import { wrapperPath } from "./init.js";

export interface SandboxArgs extends GlobalArgs {
  printEnv?: boolean | undefined;
  stop?: boolean | undefined;
  shell?: string | undefined;
}

/** A file in a sandbox's directory, so `--stop` removes only what `vsw sandbox` made. */
const MARKER = ".vsw-sandbox";
/** Signals that end the subshell (and then the sandbox) rather than this vsw alone. */
const FORWARDED: NodeJS.Signals[] = ["SIGHUP", "SIGTERM"];
/** The keystore passphrase of every sandbox: the store holds only keys the emulator invented. */
const PASSPHRASE = "sandbox";

interface Sandbox {
  dir: string;
  home: string;
  url: string;
  emulator: ChildProcess;
  /** The variables that point vsw, the AWS CLI and the SDKs at the sandbox. */
  env: Record<string, string>;
}

/**
 * `vsw sandbox`: the STS emulator with a sample organisation, a throwaway HOME, config and file
 * keystore holding the base user's keys, as a subshell (`$SHELL`); `--print-env` prints shell code
 * instead and leaves the emulator running until `vsw sandbox --stop`.
 */
export async function runSandbox(args: SandboxArgs): Promise<void> {
  if (args.stop) return stopSandbox(args.shell);
  const sandbox = await createSandbox(args.plugin ?? []);
  if (args.printEnv) {
    // Detached and unreferenced: the emulator outlives this vsw, until --stop.
    sandbox.emulator.unref();
    (sandbox.emulator.stdout as NodeJS.ReadableStream & { destroy(): void }).destroy();
    const quote = args.shell === "fish" ? quoteFish : quotePosix;
    const lines = Object.entries(sandbox.env).map(([name, value]) =>
      args.shell === "fish" ? `set -gx ${name} ${quote(value)};` : `export ${name}=${quote(value)};`,
    );
    lines.push(`# vsw sandbox at ${sandbox.url}; stop it with: eval "$(vsw sandbox --stop)"`);
    process.stdout.write(`${lines.join("\n")}\n`);
    process.stderr.write(banner(sandbox, false));
    return;
  }
  process.exitCode = await subshell(sandbox);
}

async function createSandbox(plugins: string[]): Promise<Sandbox> {
  // Builtins loaded here, not at start-up: the bundle's static imports are paid by the hot path.
  const { spawn } = await import("node:child_process");
  const { randomBytes } = await import("node:crypto");
  const { tmpdir } = await import("node:os");
  const dir = realpathSync(mkdtempSync(join(tmpdir(), "vsw-sandbox-")));
  writeFileSync(join(dir, MARKER), "");
  const home = join(dir, "home");
  const bin = join(dir, "bin");
  for (const d of [join(home, ".aws"), bin]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const emulatorJs = distFile("sandbox.js");
  const secret = base32(randomBytes(20));
  writeFileSync(join(dir, "mfa-secret"), `${secret}\n`, { mode: 0o600 });
  writeFileSync(join(dir, "world.json"), JSON.stringify(sandboxWorld(secret)));
  // Its own process group (detached): Ctrl-C in the subshell must not stop the emulator.
  // Its stderr goes to a file: with --print-env it outlives this vsw, and must not hold the
  // caller's stderr (a pipe its reader waits on) open.
  const log = openSync(join(dir, "emulator.log"), "a", 0o600);
  const emulator = spawn(process.execPath, [emulatorJs, join(dir, "world.json")], {
    detached: true,
    stdio: ["ignore", "pipe", log],
  });
  closeSync(log);
  try {
    const world = JSON.parse(await firstLine(emulator)) as {
      url: string;
      users: Array<{ accessKeyId: string; secretAccessKey: string }>;
    };
    writeFileSync(join(dir, "emulator.pid"), `${emulator.pid}\n`);
    const config = join(home, ".aws", "config");
    writeFileSync(config, sandboxConfig(world.url, [process.execPath, emulatorJs, "code", dir]));
    // `vsw` in the sandbox is this vsw, installed or not (npx, a checkout).
    const vswJs = realpathSync(process.argv[1] as string);
    writeFileSync(
      join(bin, "vsw"),
      `#!/bin/sh\nexec ${quotePosix(process.execPath)} ${quotePosix(vswJs)} "$@"\n`,
    );
    chmodSync(join(bin, "vsw"), 0o755);
    const env: Record<string, string> = {
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(home, ".aws", "credentials"),
      // The sandbox's own file keystore, named: never the user's keychain, which a desktop's
      // D-Bus session would otherwise make the default.
      VSW_KEYSTORE: "file",
      VSW_FILE_DIR: join(dir, "keystore"),
      VSW_LOCK_DIR: join(dir, "locks"),
      VSW_FILE_PASSPHRASE: PASSPHRASE,
      VSW_SANDBOX: dir,
      VSW_SANDBOX_URL: world.url,
      // vsw login signs in at the emulator's federation stand-in, never at AWS's.
      VSW_FEDERATION_ENDPOINT: world.url,
      PATH: [bin, process.env.PATH ?? ""].join(delimiter),
      // The plugins named with --plugin carry over.
      ...pluginList(plugins),
    };
    const keys = world.users[0] as { accessKeyId: string; secretAccessKey: string };
    await store(vswJs, { ...outsideEnv(), ...env }, keys);
    return { dir, home, url: world.url, emulator, env };
  } catch (error) {
    emulator.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** `vsw add base --env` inside the sandbox: the real command, through the real keystore. */
async function store(
  vswJs: string,
  env: NodeJS.ProcessEnv,
  keys: { accessKeyId: string; secretAccessKey: string },
): Promise<void> {
  const { spawn } = await import("node:child_process");
  const child = spawn(process.execPath, [vswJs, "add", "base", "--env", "--force"], {
    env: { ...env, AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  if (code !== 0) {
    throw new VswError(
      "VSW_SANDBOX_FAILED",
      `The sandbox could not store the keys of "base": ${stderr.trim()}`,
    );
  }
}

/** Runs `$SHELL` in the sandbox; when it exits, the emulator stops and the directory goes. */
async function subshell(sandbox: Sandbox): Promise<number> {
  const { spawn } = await import("node:child_process");
  const shell = process.env.SHELL || "/bin/sh";
  const { args, env } = shellSetup(basename(shell), sandbox);
  process.stderr.write(banner(sandbox, true));
  // The terminal's Ctrl-C belongs to the subshell; this vsw only waits for it. A hang-up or a
  // SIGTERM is passed on, so the shell ends first and the cleanup below still runs (the emulator,
  // in its own process group, would otherwise outlive us).
  const ignore = () => {};
  process.on("SIGINT", ignore);
  const child = spawn(shell, args, {
    stdio: "inherit",
    env: { ...outsideEnv(), ...sandbox.env, ...pluginHome(), ...env, HOME: sandbox.home },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  try {
    return await new Promise<number>((resolve) => {
      child.on("error", () => resolve(127));
      child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  } finally {
    process.off("SIGINT", ignore);
    for (const signal of FORWARDED) process.off(signal, forward);
    sandbox.emulator.kill("SIGTERM");
    rmSync(sandbox.dir, { recursive: true, force: true });
  }
}

/** The shell's own start-up in the throwaway HOME: the vsw integration and its prompt segment. */
function shellSetup(name: string, sandbox: Sandbox): { args: string[]; env: Record<string, string> } {
  const home = sandbox.home;
  if (name === "bash") {
    const rc = join(home, ".bashrc");
    writeFileSync(
      rc,
      `source ${quotePosix(wrapperPath("bash"))}
PROMPT_COMMAND+=$'\\n''vsw_prompt -v VSW_PS1'
PS1='(sandbox) \${VSW_PS1:+$VSW_PS1 }\\w\\$ '
`,
    );
    // -i: interactive even when commands come on a pipe (a test, a script), so the rc file loads.
    return { args: ["--rcfile", rc, "-i"], env: {} };
  }
  if (name === "zsh") {
    writeFileSync(
      join(home, ".zshrc"),
      `source ${quotePosix(wrapperPath("zsh"))}
setopt prompt_subst
autoload -Uz add-zsh-hook; __vsw_ps1() { vsw_prompt -v VSW_PS1 }; add-zsh-hook precmd __vsw_ps1
PROMPT='(sandbox) %~ %# '; RPROMPT='$VSW_PS1'
`,
    );
    return { args: ["-i"], env: { ZDOTDIR: home } };
  }
  if (name === "fish") {
    const init = `source ${quoteFish(wrapperPath("fish"))}; function fish_right_prompt; vsw_prompt; end`;
    return {
      args: ["--interactive", "--init-command", init],
      env: { XDG_CONFIG_HOME: join(home, ".config") },
    };
  }
  return { args: [], env: {} };
}

function banner(sandbox: Sandbox, inShell: boolean): string {
  return `vsw sandbox: a pretend AWS organisation on a local STS emulator at ${sandbox.url}.
  Config ${sandbox.env.AWS_CONFIG_FILE}; base's keys are in a throwaway file keystore.
  Profiles: base (user me in 111111111111, MFA answered by mfa_process), dev (222222222222),
  staging (444444444444), prod (333333333333, trusts only MFA'd sessions).
  Try:  ${inShell ? "vsw dev                        switch this shell to dev; the prompt shows it" : 'eval "$(vsw env dev)"          switch this shell to dev'}
        vsw exec prod -- env          a command with prod's session
        vsw plan prod; vsw list       how prod is reached; what is stored and cached
        vsw --plugin /abs/plugin.mjs dev   your own plugin against it
  ${inShell ? "exit leaves: the emulator stops and the sandbox's files are removed." : 'Stop: eval "$(vsw sandbox --stop)"'}
`;
}

/** `--stop`: ends the emulator of `$VSW_SANDBOX`, removes its directory, prints what undoes --print-env. */
function stopSandbox(shell: string | undefined): void {
  const dir = process.env.VSW_SANDBOX;
  if (!dir || !existsSync(join(dir, MARKER))) {
    throw new VswError("VSW_SANDBOX_NOT_RUNNING", "No vsw sandbox is active in this shell ($VSW_SANDBOX).", {
      hint: 'Start one with: eval "$(vsw sandbox --print-env)"',
    });
  }
  const pid = Number(readFileSync(join(dir, "emulator.pid"), "utf8"));
  try {
    if (pid > 0) process.kill(pid, "SIGTERM");
  } catch {
    // Already gone.
  }
  rmSync(dir, { recursive: true, force: true });
  const path = (process.env.PATH ?? "")
    .split(delimiter)
    .filter((entry) => entry !== join(dir, "bin"))
    .join(delimiter);
  const names = [
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "VSW_KEYSTORE",
    "VSW_FILE_DIR",
    "VSW_LOCK_DIR",
    "VSW_FILE_PASSPHRASE",
    "VSW_SANDBOX",
    "VSW_SANDBOX_URL",
    "VSW_FEDERATION_ENDPOINT",
  ];
  process.stdout.write(
    shell === "fish"
      ? `set -e ${names.join(" ")}; set -gx PATH ${path.split(delimiter).map(quoteFish).join(" ")};\n`
      : `unset ${names.join(" ")}; export PATH=${quotePosix(path)};\n`,
  );
  process.stderr.write(`vsw sandbox: stopped the emulator and removed ${dir}.\n`);
}

/** The caller's environment without anything that points at real AWS or another vsw setup. */
function outsideEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(AWS_|VSW_)/.test(name) && name !== "VSW_PLUGINS" && name !== "VSW_PLUGIN_DIR") continue;
    env[name] = value;
  }
  return env;
}

/** Under the throwaway HOME, the user's installed plugins still resolve from their usual directory. */
function pluginHome(): Record<string, string> {
  const dir = pluginDir(process.env);
  return dir ? { VSW_PLUGIN_DIR: dir } : {};
}

/** `--plugin` words carried into the sandbox as VSW_PLUGINS (absolute paths, as vsw loads them). */
function pluginList(plugins: string[]): Record<string, string> {
  if (!plugins.length) return {};
  const all = [...(process.env.VSW_PLUGINS ?? "").split(","), ...plugins]
    .map((s) => s.trim())
    .filter(Boolean);
  return { VSW_PLUGINS: all.join(",") };
}

/** A file of the installed package's dist/, found from the running code (dist/vsw-cli.cjs or src/ via tsx). */
function distFile(name: string): string {
  let dir = dirname(realpathSync(fileURLToPath(import.meta.url)));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(dir, basename(dir) === "dist" ? "" : "dist", name);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new VswError("VSW_SANDBOX_FAILED", `The STS emulator (dist/${name}) is not installed next to vsw.`, {
    hint: "Reinstall vsw, or run npm run build in a checkout.",
  });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.on("data", (d: Buffer) => {
      text += d.toString();
      const end = text.indexOf("\n");
      if (end !== -1) resolve(text.slice(0, end));
    });
    child.on("error", reject);
    child.on("exit", (code) =>
      reject(new VswError("VSW_SANDBOX_FAILED", `The STS emulator exited (code ${code}) before listening.`)),
    );
  });
}

/** RFC 4648 base32 without padding (the MFA seed; the emulator's own copy is not in this bundle). */
function base32(bytes: Uint8Array): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += alphabet[(value << (5 - bits)) & 31];
  return out;
}

export const sandboxCommand: CommandModule<GlobalArgs, SandboxArgs> = {
  ...yargsHead("sandbox"),
  builder: (yargs) =>
    yargs
      .option("print-env", {
        type: "boolean",
        describe: "Print shell code to eval instead of starting a subshell; the emulator keeps running",
      })
      .option("stop", {
        type: "boolean",
        describe: "Stop the sandbox of $VSW_SANDBOX and print the code that undoes --print-env",
      })
      .option("shell", {
        type: "string",
        choices: ["sh", "bash", "zsh", "fish"],
        describe: "Syntax of --print-env and --stop (default POSIX sh)",
      })
      .conflicts("print-env", "stop")
      .epilogue(
        `In a plugin's own tests (CI, no AWS account): start a sandbox, run vsw with the plugin against it, stop it:
  eval "$(npx vsw sandbox --print-env)"
  vsw --plugin "$PWD/index.mjs" exec dev -- aws sts get-caller-identity
  eval "$(vsw sandbox --stop)"
The sandbox sets AWS_CONFIG_FILE (profiles base, dev, staging, prod with endpoint_url at the emulator), VSW_KEYSTORE=file, VSW_FILE_DIR, VSW_LOCK_DIR, VSW_FILE_PASSPHRASE=sandbox, VSW_SANDBOX (its directory), VSW_SANDBOX_URL (the emulator) and VSW_FEDERATION_ENDPOINT (its federation stand-in, for vsw login). MFA codes come from mfa_process; --plugin and VSW_PLUGINS carry into the sandbox.`,
      ) as unknown as Argv<SandboxArgs>,
  handler: runSandbox,
};
