/**
 * Quoting for the code that shells `eval`. Every value is emitted as one literal word; nothing in
 * it can end the word, start a substitution or a new command. What a shell cannot hold (NUL, a
 * lone UTF-16 surrogate) is refused, never mangled.
 */
import { VswError } from "../../core/errors.js";

/** Shells the `env` format can speak. */
export const SHELLS = ["bash", "zsh", "sh", "fish", "pwsh"] as const;
export type Shell = (typeof SHELLS)[number];

/** Whether `name` is a supported shell. */
export function isShell(name: string): name is Shell {
  return (SHELLS as readonly string[]).includes(name);
}

/** Throws VSW_VALUE_UNREPRESENTABLE for a value no environment variable can carry. */
export function assertRepresentable(what: string, value: string): void {
  if (value.includes("\0")) {
    throw new VswError("VSW_VALUE_UNREPRESENTABLE", `The ${what} contains a NUL character, which no environment variable can hold.`, {
      hint: "Rename the profile or fix the value in the config.",
    });
  }
  if (!value.isWellFormed()) {
    throw new VswError("VSW_VALUE_UNREPRESENTABLE", `The ${what} is not valid Unicode text.`, {
      hint: "Rename the profile or fix the value in the config.",
    });
  }
}

/**
 * POSIX single quoting (bash, zsh, sh). Quotes are emitted as `\'` outside any quoted run and
 * empty runs are never emitted, so zsh's RC_QUOTES (where `''` inside quotes means `'`) cannot
 * change the meaning.
 */
export function quotePosix(value: string): string {
  if (value === "") return "''";
  return value
    .split("'")
    .map((run) => (run === "" ? "" : `'${run}'`))
    .join("\\'");
}

/** fish single quotes: only `\\` and `\'` are special inside them. */
export function quoteFish(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * PowerShell single quotes: a quote is doubled. PowerShell also takes the typographic quotes
 * U+2018–U+201B as single quotes, so those are doubled too.
 */
export function quotePwsh(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (c) => c + c)}'`;
}

/** Shell code that unsets `unset`, then exports `set`, for `shell`. */
export function renderShell(shell: Shell, unset: readonly string[], set: ReadonlyArray<readonly [string, string]>): string {
  for (const [name, value] of set) assertRepresentable(`value of ${name}`, value);
  const lines: string[] = [];
  switch (shell) {
    case "fish":
      if (unset.length) lines.push(`set -e ${unset.join(" ")}`);
      for (const [name, value] of set) lines.push(`set -gx ${name} ${quoteFish(value)}`);
      break;
    case "pwsh":
      for (const name of unset) lines.push(`Remove-Item -ErrorAction SilentlyContinue Env:${name}`);
      for (const [name, value] of set) lines.push(`$Env:${name} = ${quotePwsh(value)}`);
      break;
    default:
      if (unset.length) lines.push(`unset ${unset.join(" ")}`);
      for (const [name, value] of set) lines.push(`export ${name}=${quotePosix(value)}`);
  }
  return `${lines.join("\n")}\n`;
}
