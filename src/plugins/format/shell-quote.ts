/**
 * Quoting for the code that shells `eval`. Every value is emitted as one literal word; nothing in
 * it can end the word, start a substitution or a new command. What a shell cannot hold (NUL, a
 * lone UTF-16 surrogate) is refused, never mangled.
 *
 * Security decisions:
 * - Only single quotes carry text: inside them no shell expands anything (`$(…)`, backticks, `%`,
 *   `!` are plain characters), so the only character to handle is the quote itself.
 * - Invisible characters (C0/C1 controls, DEL, bidi and line-separator format characters) are
 *   written as escapes where the shell has them (bash, zsh, fish). The printed code is then plain
 *   text: shown on a terminal it cannot move the cursor, retitle the window or hide part of a line
 *   ("Trojan Source", CVE-2021-42574), and a raw newline inside quotes cannot meet zsh's
 *   CSH_JUNKIE_QUOTES, which rejects it.
 * - Variable names are checked too: a name is code, never quoted.
 */
import { VswError } from "../../plugin.js";

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
    throw new VswError(
      "VSW_VALUE_UNREPRESENTABLE",
      `The ${what} contains a NUL character, which no environment variable can hold.`,
      {
        hint: "Rename the profile or fix the value in the config.",
      },
    );
  }
  if (!value.isWellFormed()) {
    throw new VswError("VSW_VALUE_UNREPRESENTABLE", `The ${what} is not valid Unicode text.`, {
      hint: "Rename the profile or fix the value in the config.",
    });
  }
}

/** Throws VSW_VALUE_UNREPRESENTABLE unless `name` is a portable variable name (`[A-Za-z_][A-Za-z0-9_]*`). */
export function assertVariableName(name: string): void {
  if (!portableName(name)) {
    throw new VswError("VSW_VALUE_UNREPRESENTABLE", `"${name}" is not a valid environment variable name.`, {
      hint: "Variable names are letters, digits and underscores, not starting with a digit.",
    });
  }
}

/** `[A-Za-z_][A-Za-z0-9_]*`, without a regular expression (one per variable on every switch). */
export function portableName(name: string): boolean {
  if (name === "") return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    if (!letter && !(i > 0 && c >= 0x30 && c <= 0x39)) return false;
  }
  return true;
}

/**
 * Whether a code point is written as an escape instead of raw: C0 controls, DEL, C1 controls,
 * U+061C, U+200E/F, U+2028–U+202E and U+2066–U+2069 (the bidi marks, embeddings, overrides and
 * isolates, and the line/paragraph separators).
 */
export function isInvisible(codePoint: number): boolean {
  return (
    codePoint < 0x20 ||
    (codePoint >= 0x7f && codePoint <= 0x9f) ||
    codePoint === 0x61c ||
    codePoint === 0x200e ||
    codePoint === 0x200f ||
    (codePoint >= 0x2028 && codePoint <= 0x202e) ||
    (codePoint >= 0x2066 && codePoint <= 0x2069)
  );
}

/**
 * POSIX single quoting (sh, and the base of bash and zsh). Quotes are emitted as `\'` outside any
 * quoted run and empty runs are never emitted, so zsh's RC_QUOTES (where `''` inside quotes means
 * `'`) cannot change the meaning. Every other character stays raw: POSIX sh (dash) has no escape
 * syntax that is not itself an expansion.
 */
export function quotePosix(value: string): string {
  if (value === "") return "''";
  return value
    .split("'")
    .map((run) => (run === "" ? "" : `'${run}'`))
    .join("\\'");
}

/**
 * bash and zsh: POSIX single quoting, with invisible characters written as ANSI-C `$'\ooo'` octal
 * escapes of their UTF-8 bytes (locale-independent in both shells; RC_QUOTES does not apply to
 * `$'…'`). Adjacent words concatenate, so the result is still one word.
 */
export function quoteBash(value: string): string {
  if (value === "") return "''";
  // The usual value (a key, a token, a region): one quoted run, without splitting it into runs.
  if (plainText(value)) return `'${value}'`;
  return splitRuns(value, true)
    .map((run) => {
      if (run.kind === "quote") return "\\'".repeat(run.text.length);
      if (run.kind === "text") return `'${run.text}'`;
      const octal = [...Buffer.from(run.text, "utf8")].map(
        (byte) => `\\${byte.toString(8).padStart(3, "0")}`,
      );
      return `$'${octal.join("")}'`;
    })
    .join("");
}

/**
 * fish single quotes: only `\\` and `\'` are special inside them. Invisible characters are written
 * outside the quotes as `\xHH` (ASCII) or `\uXXXX` escapes, which fish joins into the same word.
 */
export function quoteFish(value: string): string {
  if (value === "") return "''";
  return splitRuns(value, false)
    .map((run) => {
      if (run.kind !== "invisible") return `'${run.text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
      return [...run.text]
        .map((c) => {
          const code = c.codePointAt(0) ?? 0;
          return code < 0x80
            ? `\\x${code.toString(16).padStart(2, "0")}`
            : `\\u${code.toString(16).padStart(4, "0")}`;
        })
        .join("");
    })
    .join("");
}

/**
 * PowerShell single quotes: a quote is doubled. PowerShell also takes the typographic quotes
 * U+2018–U+201B as single quotes, so those are doubled too. Inside a verbatim string nothing else is
 * special, so control characters stay raw (an escape would need a double-quoted, expanding string).
 */
export function quotePwsh(value: string): string {
  return `'${value.replace(/['\u2018\u2019\u201A\u201B]/g, (c) => c + c)}'`;
}

/** The quoting function for `shell`. */
export function quoteFor(shell: Shell): (value: string) => string {
  switch (shell) {
    case "bash":
    case "zsh":
      return quoteBash;
    case "fish":
      return quoteFish;
    case "pwsh":
      return quotePwsh;
    default:
      return quotePosix;
  }
}

/**
 * Shell code that unsets `unset`, then exports `set`, then gives back `restore` (the user's own
 * values, `vsw off`), for `shell`. Every value is checked first, so a value that cannot be
 * represented fails the whole render: nothing half-written is printed.
 */
export function renderShell(
  shell: Shell,
  unset: readonly string[],
  set: ReadonlyArray<readonly [string, string]>,
  restore: ReadonlyArray<readonly [string, string]> = [],
): string {
  for (const name of unset) assertVariableName(name);
  for (const [name, value] of [...set, ...restore]) {
    assertVariableName(name);
    assertRepresentable(`value of ${name}`, value);
  }
  const quote = quoteFor(shell);
  const lines: string[] = [];
  switch (shell) {
    case "fish":
      // `-g`: erase the session's global only. A plain `set -e` would erase a universal variable
      // of the same name (one the user persisted with `set -U`) when no global exists.
      // `; or true`: erasing a variable that is not set fails with status 4, and fish's `set` in
      // assignment mode passes the previous status on, so `vsw env p | source; and aws …` would stop.
      if (unset.length) lines.push(`set -e -g ${unset.join(" ")}; or true`);
      for (const [name, value] of set) lines.push(`set -gx ${name} ${quote(value)}`);
      // A universal variable the user set (`set -Ux`) shows again once the global is erased: a
      // global copy would hide later changes to it, so one is made only when the value differs.
      for (const [name, value] of restore) {
        lines.push(
          `set -qx ${name}; and test "$${name}" = ${quote(value)}; or set -gx ${name} ${quote(value)}`,
        );
      }
      break;
    case "pwsh":
      for (const name of unset) lines.push(`Remove-Item -ErrorAction SilentlyContinue Env:${name}`);
      for (const [name, value] of [...set, ...restore]) lines.push(`$Env:${name} = ${quote(value)}`);
      break;
    default:
      if (unset.length) lines.push(`unset ${unset.join(" ")}`);
      for (const [name, value] of [...set, ...restore]) lines.push(`export ${name}=${quote(value)}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Whether a value is one run of plain text: no single quote and no invisible character. By UTF-16
 * code unit: every invisible code point is below U+10000, and no surrogate is one.
 */
function plainText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit === 0x27 || isInvisible(unit)) return false;
  }
  return true;
}

interface Run {
  kind: "text" | "quote" | "invisible";
  text: string;
}

/** Splits a value into maximal runs of plain text, invisible characters and (when asked) single quotes. */
function splitRuns(value: string, quotes: boolean): Run[] {
  const runs: Run[] = [];
  for (const c of value) {
    const code = c.codePointAt(0) ?? 0;
    const kind: Run["kind"] = quotes && c === "'" ? "quote" : isInvisible(code) ? "invisible" : "text";
    const last = runs[runs.length - 1];
    if (last && last.kind === kind) last.text += c;
    else runs.push({ kind, text: c });
  }
  return runs;
}
