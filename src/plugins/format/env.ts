import { readFileSync } from "node:fs";
import { basename } from "node:path";
import type { VswPlugin } from "../../plugin.js";
import { VswError } from "../../plugin.js";
import { isShell, renderShell, SHELLS, type Shell } from "./shell-quote.js";
import { exportedVariables, SWITCH_VARIABLES, savedVariables } from "./variables.js";

const NAME = "format-env";

/** The `env` format: shell code that unsets every switch variable, then exports the new ones. */
export function envFormat(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.format.for("env").tap(NAME, (request) => {
        const shell = pickShell(request.shell, vsw.env.SHELL);
        // The user's own region and profile are saved first, for `vsw off` (variables.ts).
        return renderShell(shell, SWITCH_VARIABLES, [
          ...exportedVariables(request),
          ...savedVariables(vsw.env),
        ]);
      });
    },
  };
}

/**
 * `--shell`; else the shell that will evaluate the code, which is vsw's parent process
 * (`eval "$(vsw env dev)"` runs vsw from a subshell of the evaluating shell, `vsw env dev | source`
 * from fish itself): `$SHELL` is only the login shell, and `SHELL=/usr/bin/fish bash` is common;
 * else the basename of `$SHELL`; else POSIX sh, which every shell but fish and pwsh reads.
 */
export function pickShell(
  flag: string | undefined,
  envShell: string | undefined,
  parent: () => string | undefined = parentProcessName,
): Shell {
  if (flag !== undefined) {
    if (isShell(flag)) return flag;
    throw new VswError("VSW_USAGE", `Shell "${flag}" is not supported.`, {
      hint: `Use one of: ${SHELLS.join(", ")}.`,
    });
  }
  return shellOf(parent()) ?? shellOf(envShell) ?? "sh";
}

/**
 * The shell dialect of a program name (`/bin/zsh`, `-bash`, `dash`), or undefined when it is no
 * shell vsw knows. POSIX shells (dash, ash, busybox, ksh, mksh, yash) get plain `sh` quoting:
 * `$'…'` is not POSIX, and dash prints it literally.
 */
export function shellOf(program: string | undefined): Shell | undefined {
  const name = basename(program ?? "").replace(/^-/, "");
  if (name === "bash" || name === "zsh" || name === "fish") return name;
  if (name === "pwsh" || name === "powershell" || name === "pwsh-preview") return "pwsh";
  if (/^(sh|dash|ash|busybox|ksh|ksh93|mksh|pdksh|oksh|loksh|yash|posh)$/.test(name)) return "sh";
  return undefined;
}

/**
 * The name of vsw's parent process: `/proc/PPID/comm` on Linux (one small read, no process), else
 * `ps -o comm=` (macOS, BSD), which costs a fork but runs only when `--shell` was not given (the
 * wrappers always give it).
 */
function parentProcessName(): string | undefined {
  try {
    return readFileSync(`/proc/${process.ppid}/comm`, "utf8").trim();
  } catch {
    if (process.platform === "linux" || process.platform === "win32") return undefined;
  }
  // Loaded here, not imported: every static import of the bundle is paid by the hot path.
  const { spawnSync } = process.getBuiltinModule("node:child_process");
  const ps = spawnSync("ps", ["-o", "comm=", "-p", String(process.ppid)], {
    encoding: "utf8",
    timeout: 2000,
  });
  return ps.status === 0 ? ps.stdout.trim() : undefined;
}
