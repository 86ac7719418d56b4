import type { Argv, CommandModule } from "yargs";
import { childEnv } from "../../plugins/child-env.js";
import { exportedVariables, SWITCH_VARIABLES } from "../../plugins/format/variables.js";
import type { GlobalArgs, ProfileArgs } from "../context.js";
import { profileOptions, yargsHead } from "../options.js";
import { printable } from "../report.js";
import { obtain } from "../resolve.js";
import { shutdownAll } from "../shutdown.js";

export interface ExecArgs extends ProfileArgs {
  command?: string[] | undefined;
  /** Words after `--`, kept verbatim (yargs' populate--), so flags of the command are not vsw's. */
  "--"?: string[] | undefined;
}

const FORWARDED: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/**
 * `vsw exec PROFILE [-- CMD ARGS…]`: runs CMD (default `$SHELL`) with the profile's session in its
 * environment. The child's exit code is passed through, and a signal that ends it ends vsw the same way.
 */
export async function runExec(args: ExecArgs): Promise<void> {
  if (process.env.VSW_PROFILE && process.env.VSW_PROFILE !== args.profile) {
    // aws-vault refuses nesting silently stacking sessions; vsw warns and replaces every variable.
    // Running the profile already in use changes nothing it could warn about.
    process.stderr.write(
      `vsw: warning: already inside a vsw environment for "${printable(process.env.VSW_PROFILE)}"; its variables are replaced.\n`,
    );
  }
  const { vsw, request } = await obtain(args);
  // The secrets plugins declared (the keystore's passphrase): the one rule for children (child-env.ts).
  const env: NodeJS.ProcessEnv = childEnv(process.env, vsw.childSecrets);
  for (const name of SWITCH_VARIABLES) delete env[name];
  for (const [name, value] of exportedVariables(request)) env[name] = value;
  // Builtins loaded here, not at start-up: every static import of the bundle is paid by the hot path.
  const { spawn } = await import("node:child_process");
  const { constants } = await import("node:os");
  const words = [...(args.command ?? []), ...(args["--"] ?? [])].map(String);
  const [file, ...rest] = words.length ? words : [process.env.SHELL || "/bin/sh"];
  const child = spawn(file as string, rest, { stdio: "inherit", env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  for (const signal of FORWARDED) process.on(signal, forward);
  const { code, signal } = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code, signal) => resolve({ code, signal }));
    },
  ).catch((error: NodeJS.ErrnoException) => {
    process.stderr.write(`vsw: ${file}: ${error.code === "ENOENT" ? "command not found" : error.message}\n`);
    return { code: error.code === "ENOENT" ? 127 : 126, signal: null };
  });
  for (const signal of FORWARDED) process.off(signal, forward);
  if (signal) {
    // vsw ends by the child's signal: plugins are shut down first, as on any other exit (bin.ts).
    await shutdownAll();
    process.kill(process.pid, signal);
    process.exitCode = 128 + (constants.signals[signal] ?? 0);
    return;
  }
  process.exitCode = code ?? 1;
}

export const execCommand: CommandModule<GlobalArgs, ExecArgs> = {
  ...yargsHead("exec"),
  builder: (yargs) =>
    profileOptions(yargs, "exec").positional("command", {
      type: "string",
      array: true,
      describe: "Command and arguments, after --",
    }) as unknown as Argv<ExecArgs>,
  handler: runExec,
};
