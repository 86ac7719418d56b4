/**
 * `vsw exec --server` / `--ecs-server`: the built-in `exec` hands the command line to the command
 * that the built-in `ecs-server` plugin adds through the `commands` hook (`exec-server`), so the
 * server is built on the public plugin API like a team's command.
 */
import type { CommandArgs } from "../core/commands.js";
import { isVswError, PluginError, VswError } from "../core/errors.js";
import { EXEC_SERVER_COMMAND } from "../plugins/server/exec-server.js";
import type { ExecArgs } from "./commands/exec.js";
import { buildVsw } from "./context.js";
import { pluginCommands } from "./plugin-commands.js";

/** Runs `vsw exec PROFILE [-- CMD]` with a credentials server instead of keys in the environment. */
export async function runExecServer(args: ExecArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const command = pluginCommands(vsw).find((c) => c.name === EXEC_SERVER_COMMAND);
  if (!command) {
    throw new VswError("VSW_NOT_SUPPORTED", '"vsw exec --server" needs the built-in ecs-server plugin.', {
      hint: "vsw plugins lists the plugins loaded.",
    });
  }
  const given: CommandArgs = {
    positionals: [args.profile, ...(args.command ?? []), ...(args["--"] ?? [])].map(String),
    flags: {
      duration: args.duration,
      "no-session": args.noSession === true || args.session === false ? true : undefined,
      region: args.region,
      "mfa-serial": args.mfaSerial,
    },
  };
  try {
    await command.run(given, vsw);
  } catch (error) {
    if (isVswError(error)) throw error;
    throw new PluginError("ecs-server", `commands (vsw exec --server)`, error);
  }
}
