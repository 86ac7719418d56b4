/**
 * `vsw exec --server PROFILE -- CMD` (aws-vault's `exec --server`/`--ecs-server`): CMD gets no
 * static keys but the URL and token of a credentials server that vsw runs for as long as CMD does,
 * minting a new session through the normal pipeline (cache, MFA, STS) when the current one nears
 * its end. For long-running processes that outlive one role session: an IDE, a long
 * `terraform apply`.
 *
 * Shape: this built-in plugin adds the hidden command `exec-server` through the `commands` hook;
 * the built-in `exec` runs it when given `--server` or `--ecs-server` (src/cli/exec-server.ts).
 */
import type { CommandArgs, PluginCommand, ResolveFlags, Vsw, VswPlugin } from "../../plugin.js";
import { parseDuration, VswError } from "../../plugin.js";
import { childEnvironment, runChild } from "./child.js";
import { freshCredentials, startEcsServer } from "./ecs-server.js";

const NAME = "ecs-server";

/** The command `vsw exec --server` runs. */
export const EXEC_SERVER_COMMAND = "exec-server";

/**
 * How long before its end a session is replaced: botocore's advisory refresh window (15 min; the
 * JS SDK refreshes at 5 min). A session handed out has at least this much left, so boto3 never sees
 * one inside its mandatory window. A short `--duration` lowers it to a third of the session.
 */
const REFRESH_SECONDS = 15 * 60;

/** The built-in credentials server of `vsw exec --server`. */
export function ecsServer(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.commands.tap(NAME, (commands) => [...commands, command()]);
    },
  };
}

function command(): PluginCommand {
  return {
    name: EXEC_SERVER_COMMAND,
    describe: "Run a command with a credentials server for PROFILE (vsw exec --server)",
    hidden: true,
    positionals: ["profile"],
    rest: "command",
    flags: {
      "--duration": { describe: "Session duration", value: "free" },
      "--no-session": { describe: "No GetSessionToken" },
      "--region": { describe: "Region", value: "region" },
      "--mfa-serial": { describe: "MFA device ARN", value: "free" },
    },
    run: runServer,
  };
}

async function runServer(args: CommandArgs, vsw: Vsw): Promise<void> {
  const [profile, ...words] = args.positionals;
  if (!profile) {
    throw new VswError("VSW_USAGE", "vsw exec --server needs a profile.", {
      hint: "vsw exec --server PROFILE -- COMMAND",
    });
  }
  const flags = resolveFlags(args);
  // Before the server starts and the child runs: MFA asked now (not in the middle of the child's
  // output), and a profile that cannot be resolved fails as plain `exec` does.
  const first = await vsw.credentials(profile, flags);
  if (first.credentials.expiration === undefined) {
    // Decision: the server hands out sessions only. Long-lived keys have no Expiration for the
    // SDKs to read, and serving them to any holder of the token would defeat --no-session's caller.
    throw new VswError(
      "VSW_NOT_SUPPORTED",
      `Profile "${profile}" gives long-lived keys, which the server does not serve.`,
      {
        hint: "Run vsw exec --server without --no-session, or give the profile a role to assume.",
      },
    );
  }
  const refresh = Math.min(REFRESH_SECONDS, Math.floor((flags.durationSeconds ?? 3600) / 3));
  const mint = async () =>
    (await vsw.credentials(profile, { ...flags, minRemainingSeconds: refresh })).credentials;
  // The first request gets the session resolved above while it is fresh enough.
  const credentials = freshCredentials(mint, vsw.now, refresh, first.credentials);
  const server = await startEcsServer(credentials, (error) =>
    process.stderr.write(`vsw: ${oneLine(error)}\n`),
  );
  // Tapped only now: a run without a server keeps the untapped (promise-free) shutdown of the hot path.
  vsw.hooks.shutdown.tapPromise(NAME, () => server.close());
  try {
    const env = childEnvironment(vsw, first, server);
    const [file, ...rest] = words.length ? words : [process.env.SHELL || "/bin/sh"];
    const { code, signal } = await runChild(file as string, rest, env);
    await server.close();
    if (signal) {
      // vsw ends by the child's signal, plugins shut down first (as `vsw exec` does).
      const { constants } = await import("node:os");
      await vsw.shutdown();
      process.kill(process.pid, signal);
      process.exitCode = 128 + (constants.signals[signal] ?? 0);
      return;
    }
    process.exitCode = code ?? 1;
  } finally {
    await server.close();
  }
}

/** The resolver flags of the command line. */
function resolveFlags({ flags }: CommandArgs): ResolveFlags {
  const out: ResolveFlags = {};
  if (typeof flags.duration === "string") out.durationSeconds = parseDuration(flags.duration);
  if (flags["no-session"] === true) out.noSession = true;
  if (typeof flags.region === "string" && flags.region) out.region = flags.region;
  if (typeof flags["mfa-serial"] === "string" && flags["mfa-serial"]) out.mfaSerial = flags["mfa-serial"];
  return out;
}

/** An error as the one line vsw prints (`message (CODE)`), control characters shown as `?`. */
function oneLine(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(error);
  const code = typeof e?.code === "string" ? ` (${e.code})` : "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced.
  return `${message.split("\n")[0]?.replace(/[\u0000-\u001f\u007f]/g, "?")}${code}`;
}
