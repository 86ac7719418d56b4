/**
 * The hot path's hand-written matchers (a switch compiles no regular expression it can avoid: V8
 * compiles one run twice, or used to split or replace globally, to machine code, tens of
 * microseconds each) give what the regular expressions they replace gave, on generated text.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { camelCase } from "../src/cli/fast.js";
import { firstDelimiter, lines, newSection } from "../src/core/config.js";
import { trimDashes } from "../src/core/resolve.js";
import { portableName } from "../src/plugins/format/shell-quote.js";

/** Text made mostly of the characters that matter to these matchers, and some others. */
const text = (chars: string[]) =>
  fc
    .array(fc.oneof(fc.constantFrom(...chars), fc.string({ unit: "binary", maxLength: 2 })), {
      maxLength: 30,
    })
    .map((parts) => parts.join(""));

test("config lines: split(/\\r?\\n/)", () => {
  fc.assert(
    fc.property(text(["\n", "\r", "\r\n", "a", " ", "\u2028", "="]), (s) => {
      assert.deepEqual(lines(s), s.split(/\r?\n/));
    }),
    { numRuns: 2000 },
  );
});

test("the first key/value delimiter: search(/[=:]/)", () => {
  fc.assert(
    fc.property(text(["=", ":", "a", " "]), (s) => assert.equal(firstDelimiter(s), s.search(/[=:]/))),
    { numRuns: 2000 },
  );
});

test("an indented line: /^\\s/ is trimStart's whitespace", () => {
  fc.assert(
    fc.property(text([" ", "\t", "\u00a0", "\u2028", "\ufeff", "\u3000", "\u200b", "a", "\r"]), (s) =>
      assert.equal(s.trimStart() !== s, /^\s/.test(s)),
    ),
    { numRuns: 2000 },
  );
});

test("flag keys: replace(/-([a-z])/g, upper)", () => {
  fc.assert(
    fc.property(text(["-", "a", "z", "A", "0", "--"]), (s) =>
      assert.equal(
        camelCase(s),
        s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()),
      ),
    ),
    { numRuns: 2000 },
  );
});

test("variable names: /^[A-Za-z_][A-Za-z0-9_]*$/", () => {
  fc.assert(
    fc.property(text(["A", "z", "_", "0", "9", "-", "é", " "]), (s) =>
      assert.equal(portableName(s), /^[A-Za-z_][A-Za-z0-9_]*$/.test(s)),
    ),
    { numRuns: 2000 },
  );
});

test("session names: replace(/^-+|-+$/g, '')", () => {
  fc.assert(
    fc.property(text(["-", "a", "--"]), (s) => assert.equal(trimDashes(s), s.replace(/^-+|-+$/g, ""))),
    { numRuns: 2000 },
  );
});

test("section headers: /^(profile|sso-session|services)\\s+(.+)$/, then /^([\"'])(.+)\\1$/", () => {
  const reference = (header: string): [string, string] => {
    if (header === "default") return ["default", "default"];
    const match = /^(profile|sso-session|services)\s+(.+)$/.exec(header);
    if (!match?.[1] || !match[2]) return ["other", header];
    const name = match[2].trim();
    return [match[1], /^(["'])(.+)\1$/.exec(name)?.[2] ?? name];
  };
  const header = text([
    "profile",
    "sso-session",
    "services",
    " ",
    "\t",
    "\u2028",
    "\r",
    '"',
    "'",
    "a",
    "default",
    "\n",
  ]);
  fc.assert(
    fc.property(header, (raw) => {
      // As the parser hands them over: trimmed.
      const h = raw.trim();
      const section = newSection(h, 1, "config");
      assert.deepEqual([section.kind, section.name], reference(h));
    }),
    { numRuns: 4000 },
  );
  for (const h of [
    'profile ""',
    'profile "a"',
    "profile 'a\"",
    'profile "',
    "profile '\u2028'",
    "services\u2028x",
    "profile",
  ]) {
    const section = newSection(h, 1, "config");
    assert.deepEqual([section.kind, section.name], reference(h), h);
  }
});
