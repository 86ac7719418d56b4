import { existsSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Argv, CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import { quoteFish, quotePosix } from "../../plugins/format/shell-quote.js";
import type { GlobalArgs } from "../context.js";
import { yargsHead } from "../options.js";

/** Shells with a wrapper in shell/. */
export const RC_SHELLS = ["bash", "zsh", "fish"] as const;
export type RcShell = (typeof RC_SHELLS)[number];

export interface InitArgs extends GlobalArgs {
  shell?: string | undefined;
}

/**
 * `vsw init [bash|zsh|fish]`: prints the one line for the rc file, e.g.
 * `source '/usr/lib/node_modules/vsw/shell/vsw.bash'`. The rc file then loads a static script:
 * no node runs at shell start-up, only on `vsw …`.
 */
export async function runInit(args: InitArgs): Promise<void> {
  const shell = initShell(args.shell, process.env.SHELL);
  process.stdout.write(`${rcLine(shell, wrapperPath(shell))}\n`);
}

/** The rc line for `shell`, with the path quoted so that no character of it can run. */
export function rcLine(shell: RcShell, path: string): string {
  return `source ${shell === "fish" ? quoteFish(path) : quotePosix(path)}`;
}

/** The shell named on the command line, else the basename of `$SHELL`. */
export function initShell(flag: string | undefined, envShell: string | undefined): RcShell {
  const name = flag ?? basename(envShell ?? "");
  if ((RC_SHELLS as readonly string[]).includes(name)) return name as RcShell;
  throw new VswError(
    "VSW_USAGE",
    flag === undefined
      ? "Name the shell to set up: vsw init bash, zsh or fish."
      : `Shell "${flag}" has no vsw integration.`,
    { hint: "vsw init bash, vsw init zsh or vsw init fish." },
  );
}

/**
 * The absolute path of the wrapper, found next to the running code: `shell/` beside `dist/` in a
 * package (the code may run from `dist/` or `dist/chunks/`), or beside `src/` in a checkout.
 * Symlinks are resolved, so the line survives a package manager's re-linking of the bin.
 */
export function wrapperPath(shell: RcShell): string {
  let dir = dirname(realpathSync(fileURLToPath(import.meta.url)));
  for (let depth = 0; depth < 5; depth++) {
    const candidate = join(dir, "shell", `vsw.${shell}`);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new VswError(
    "VSW_PLUGIN_ERROR",
    `The ${shell} integration (shell/vsw.${shell}) is not installed next to vsw.`,
    {
      hint: "Reinstall vsw: the package ships the shell/ directory.",
    },
  );
}

export const initCommand: CommandModule<GlobalArgs, InitArgs> = {
  ...yargsHead("init"),
  builder: (yargs) =>
    yargs.positional("shell", {
      type: "string",
      choices: [...RC_SHELLS],
      describe: "bash, zsh or fish (default: from $SHELL)",
    }) as unknown as Argv<InitArgs>,
  handler: runInit,
};
