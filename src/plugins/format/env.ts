import { basename } from "node:path";
import { VswError } from "../../core/errors.js";
import type { VswPlugin } from "../../core/vsw.js";
import { isShell, renderShell, SHELLS, type Shell } from "./shell-quote.js";
import { exportedVariables, SWITCH_VARIABLES } from "./variables.js";

const NAME = "format-env";

/** The `env` format: shell code that unsets every switch variable, then exports the new ones. */
export function envFormat(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.format.for("env").tap(NAME, (request) => {
        const shell = pickShell(request.shell, vsw.env.SHELL);
        return renderShell(shell, SWITCH_VARIABLES, exportedVariables(request));
      });
    },
  };
}

/** `--shell`, else the basename of `$SHELL` when it is a known shell, else bash. */
export function pickShell(flag: string | undefined, envShell: string | undefined): Shell {
  if (flag !== undefined) {
    if (isShell(flag)) return flag;
    throw new VswError("VSW_USAGE", `Shell "${flag}" is not supported.`, {
      hint: `Use one of: ${SHELLS.join(", ")}.`,
    });
  }
  const fromEnv = envShell ? basename(envShell) : "";
  if (fromEnv === "pwsh" || fromEnv === "powershell") return "pwsh";
  return isShell(fromEnv) ? fromEnv : "bash";
}
