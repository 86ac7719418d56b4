/**
 * Escaping proven, not assumed: for each shell that runs here, random hostile values are rendered
 * with `renderShell`, evaluated by the real shell the way the wrapper does (`eval` of captured
 * output), and the resulting environment must equal the input exactly, with no command executed.
 * PowerShell is not installable on this machine: its quoting is checked against a decoder written
 * from the language specification instead.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import fc from "fast-check";
import { isVswError } from "../src/core/errors.js";
import {
  quoteBash,
  quoteFish,
  quotePosix,
  quotePwsh,
  renderShell,
  type Shell,
} from "../src/plugins/format/shell-quote.js";
import { SWITCH_VARIABLES } from "../src/plugins/format/variables.js";
import { requireTool } from "./helpers/harness.js";

const RUNS = Number(process.env.VSW_ESCAPE_RUNS ?? 300);
const dir = mkdtempSync(join(tmpdir(), "vsw-escape-"));
const canary = join(dir, "canary");
after(() => rmSync(dir, { recursive: true, force: true }));

/** Pieces that break naive quoting in at least one shell; each would create the canary if executed. */
const HOSTILE = [
  "'",
  '"',
  "`",
  "\\",
  "\\'",
  "''",
  "$",
  "$(touch CANARY)",
  "`touch CANARY`",
  "$(touch CANARY)'",
  "';touch CANARY;'",
  '"; touch CANARY; "',
  "(touch CANARY)",
  "$'\\n'",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
  "${HOME}",
  "$((1+1))",
  "%",
  "%s%n",
  "%{%}",
  "!",
  "!!",
  "\n",
  "\r\n",
  "\t",
  " ",
  "#",
  ";",
  "|",
  "&",
  "*",
  "?",
  "~",
  "{a,b}",
  "é",
  "日本",
  "😀",
  "\u{1F3F3}\uFE0F\u200D\u{1F308}",
  "\u202E",
  "\u2028",
  "\u001b[31m",
  "\u001b]0;title\u0007",
  "\u0085",
  "\u009b",
  "\u007f",
  "\u0001",
  "\u2018",
  "\u201b",
].map((piece) => piece.replaceAll("CANARY", canary));

/** Any text except NUL (which no environment variable can hold; tested separately). */
const value = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 6 }) },
      { weight: 1, arbitrary: fc.string({ unit: "binary-ascii", maxLength: 6 }) },
      { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 4 }) },
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join("").replaceAll("\0", ""));

/** A random subset of the switch variables, each with a hostile value. */
const assignment = fc
  .subarray([...SWITCH_VARIABLES], { minLength: 1 })
  .chain((names) => fc.tuple(...names.map((name) => value.map((v) => [name, v] as const))));

/** How each shell evaluates the code on stdin, the way the wrapper does, then prints its environment. */
const EVAL: Record<Exclude<Shell, "pwsh">, { file: string; args: string[] }> = {
  bash: { file: "bash", args: ["--norc", "--noprofile", "-c", 'out=$(cat) && eval "$out" && env -0'] },
  zsh: { file: "zsh", args: ["-f", "-c", 'out=$(cat) && eval "$out" && env -0'] },
  sh: { file: "sh", args: ["-c", 'out=$(cat) && eval "$out" && env -0'] },
  fish: {
    file: "fish",
    args: ["--no-config", "-c", "set -l out (cat | string collect); and eval $out; and env -0"],
  },
};

/** Options that change quoting in zsh and bash; the output must not depend on them. */
const OPTION_VARIANTS: Partial<Record<Shell, string[]>> = {
  zsh: ["setopt rc_quotes", "setopt csh_junkie_quotes", "emulate sh", "emulate ksh", "setopt no_multibyte"],
  bash: ["set -o posix", "shopt -s extquote extglob", "LC_ALL=C"],
};

function evaluate(
  shell: Exclude<Shell, "pwsh">,
  code: string,
  prelude = "",
): { env: Map<string, string>; stderr: string; status: number | null } {
  const { file, args } = EVAL[shell];
  const script = prelude ? `${prelude}\n${args[args.length - 1]}` : (args[args.length - 1] as string);
  const stale = Object.fromEntries(SWITCH_VARIABLES.map((name) => [name, "stale"]));
  const result = spawnSync(file, [...args.slice(0, -1), script], {
    input: code,
    env: { PATH: process.env.PATH, HOME: dir, LANG: "C.UTF-8", ...stale },
    timeout: 10_000,
  });
  const env = new Map<string, string>();
  for (const entry of result.stdout.toString("utf8").split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return { env, stderr: result.stderr.toString(), status: result.status };
}

function assertRoundTrip(
  shell: Exclude<Shell, "pwsh">,
  pairs: ReadonlyArray<readonly [string, string]>,
  prelude = "",
) {
  const code = renderShell(shell, SWITCH_VARIABLES, pairs);
  const { env, stderr, status } = evaluate(shell, code, prelude);
  const executed = existsSync(canary);
  // Removed at once, so that shrinking sees each candidate on its own.
  rmSync(canary, { force: true });
  assert.equal(executed, false, `${shell} executed a command from a value`);
  assert.equal(status, 0, `${shell} failed: ${stderr}`);
  const expected = new Map(pairs);
  for (const name of SWITCH_VARIABLES) assert.equal(env.get(name), expected.get(name), `${shell}: ${name}`);
}

for (const shell of ["bash", "zsh", "sh", "fish"] as const) {
  describe(`Values evaluated by ${shell}`, () => {
    test(`${shell} gets every hostile value back exactly and runs nothing`, (t) => {
      if (!requireTool(t, shell)) return;
      fc.assert(
        fc.property(assignment, (pairs) => assertRoundTrip(shell, pairs)),
        { numRuns: shell === "fish" ? Math.ceil(RUNS / 2) : RUNS },
      );
    });

    for (const prelude of OPTION_VARIANTS[shell] ?? []) {
      test(`${shell} with "${prelude}" gets every hostile value back exactly`, (t) => {
        if (!requireTool(t, shell)) return;
        fc.assert(
          fc.property(assignment, (pairs) => assertRoundTrip(shell, pairs, prelude)),
          { numRuns: Math.ceil(RUNS / 6) },
        );
      });
    }
  });
}

describe("Values no shell can hold", () => {
  for (const [label, bad] of [
    ["a NUL character", "prod\0x"],
    ["a lone high surrogate", "prod\uD800"],
    ["a lone low surrogate", "\uDC00prod"],
  ] as const) {
    test(`A value with ${label} is refused with VSW_VALUE_UNREPRESENTABLE for every shell`, () => {
      for (const shell of ["bash", "zsh", "sh", "fish", "pwsh"] as const) {
        assert.throws(
          () => renderShell(shell, [], [["VSW_PROFILE", bad]]),
          (error) => isVswError(error, "VSW_VALUE_UNREPRESENTABLE") && /VSW_PROFILE/.test(error.message),
        );
      }
    });
  }

  test("A variable name that is not a plain identifier is refused instead of being written as code", () => {
    for (const name of ["A B", "X;touch y", "1A", "", "A=B", "A$(x)"]) {
      assert.throws(
        () => renderShell("bash", [], [[name, "v"]]),
        (error) => isVswError(error, "VSW_VALUE_UNREPRESENTABLE"),
      );
      assert.throws(
        () => renderShell("fish", [name], []),
        (error) => isVswError(error, "VSW_VALUE_UNREPRESENTABLE"),
      );
    }
  });
});

describe("The printed code is plain text", () => {
  test("bash, zsh and fish code carries no control or bidi character raw, whatever the values", () => {
    fc.assert(
      fc.property(value, (v) => {
        for (const quoted of [quoteBash(v), quoteFish(v)]) {
          assert.doesNotMatch(quoted, /[\p{Cc}\p{Bidi_Control}\p{Zl}\p{Zp}]/u);
        }
      }),
      { numRuns: 500 },
    );
  });

  test("POSIX sh quoting is one single-quoted word with quotes outside the runs", () => {
    assert.equal(quotePosix("it's"), "'it'\\''s'");
    assert.equal(quotePosix("''"), "\\'\\'");
    assert.equal(quotePosix(""), "''");
  });

  test("An empty value is an empty quoted word in every shell", () => {
    for (const quote of [quotePosix, quoteBash, quoteFish, quotePwsh]) assert.equal(quote(""), "''");
  });
});

/**
 * Decodes a PowerShell verbatim (single-quoted) string literal per the language specification
 * (§2.3.5.2): the quote characters are ' and U+2018–U+201B, and two quote characters in a row
 * stand for one. Returns the text and what follows the closing quote.
 */
function decodePwshVerbatim(literal: string): { text: string; rest: string } {
  const isQuote = (c: string | undefined) => c !== undefined && "'\u2018\u2019\u201A\u201B".includes(c);
  assert.ok(isQuote(literal[0]), "starts with a quote");
  const chars = [...literal];
  let text = "";
  for (let i = 1; i < chars.length; i++) {
    const c = chars[i];
    if (isQuote(c)) {
      if (isQuote(chars[i + 1])) {
        text += c;
        i++;
        continue;
      }
      return { text, rest: chars.slice(i + 1).join("") };
    }
    text += c;
  }
  throw new Error("unterminated verbatim string");
}

describe("PowerShell quoting (unit-tested only: pwsh is not installable here)", () => {
  test("Every value decodes back exactly from its PowerShell verbatim string, with nothing after it", () => {
    fc.assert(
      fc.property(value, (v) => {
        const { text, rest } = decodePwshVerbatim(quotePwsh(v));
        assert.equal(text, v);
        assert.equal(rest, "");
      }),
      { numRuns: 1000 },
    );
  });

  test("The PowerShell code removes every switch variable, then assigns each value on its own statement", () => {
    const code = renderShell("pwsh", ["AWS_PROFILE"], [["VSW_PROFILE", "a'b\u2019c"]]);
    assert.equal(
      code,
      "Remove-Item -ErrorAction SilentlyContinue Env:AWS_PROFILE\n$Env:VSW_PROFILE = 'a''b\u2019\u2019c'\n",
    );
  });
});
