/**
 * The version of the public plugin API (`vsw/plugin`) and the check of the range a plugin declares.
 * The API version follows semver on its own, apart from the package version: a new hook is a minor
 * bump, a changed or removed one a major bump.
 */
import { VswError } from "./errors.js";

/** The plugin API this core implements. */
export const apiVersion = "1.3.0";

type Version = readonly [number, number, number];

/**
 * Whether `version` (x.y.z) satisfies the semver `range`, in npm's grammar without pre-releases:
 * `^1.0.0`, `~1.2.0`, `>=1.0.0 <2.0.0`, `1.x`, `1`, `*`, `1.0.0 - 1.4.0`, alternatives joined by `||`.
 * Returns `undefined` when the range is not one it can read.
 */
export function satisfies(version: string, range: string): boolean | undefined {
  const have = parseVersion(version);
  if (!have) return undefined;
  let answer = false;
  for (const alternative of range.split("||")) {
    const comparators = desugar(alternative.trim());
    if (!comparators) return undefined;
    if (comparators.every(([op, want]) => compareWith(op, have, want))) answer = true;
  }
  return answer;
}

/**
 * Throws `VSW_PLUGIN_API` unless the plugin's declared `apiVersion` range accepts this core's
 * version (Babel's `api.assertVersion`). A plugin that declares nothing is accepted.
 */
export function assertApiVersion(
  plugin: { name: string; apiVersion?: string | undefined },
  spec: string,
): void {
  const range = plugin.apiVersion;
  if (range === undefined) return;
  const fits = typeof range === "string" ? satisfies(apiVersion, range) : undefined;
  if (fits === undefined) {
    throw new VswError(
      "VSW_PLUGIN_API",
      `Plugin "${plugin.name}" (${JSON.stringify(spec)}) declares apiVersion "${String(range)}", which is not a semver range.`,
      { hint: `Declare a range such as "^${apiVersion.split(".")[0]}.0.0".` },
    );
  }
  if (!fits) {
    throw new VswError(
      "VSW_PLUGIN_API",
      `Plugin "${plugin.name}" (${JSON.stringify(spec)}) needs plugin API "${range}", but this vsw provides plugin API ${apiVersion}.`,
      {
        hint: "Install a version of the plugin written for this vsw, or a vsw whose plugin API it supports.",
      },
    );
  }
}

type Op = "<" | "<=" | ">" | ">=" | "=";

/** One alternative of a range as comparators, or `undefined` if it cannot be read. */
function desugar(text: string): Array<[Op, Version]> | undefined {
  if (text === "" || text === "*") return [];
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(text);
  if (hyphen) {
    const low = partial(hyphen[1] ?? "");
    const high = partial(hyphen[2] ?? "");
    if (!low || !high) return undefined;
    return [
      [">=", fill(low)],
      ...(high.length === 3 ? [["<=", fill(high)] as [Op, Version]] : [["<", bump(high)] as [Op, Version]]),
    ];
  }
  const out: Array<[Op, Version]> = [];
  for (const token of text.split(/\s+/)) {
    const match = /^(\^|~|>=|<=|>|<|=)?v?(.*)$/.exec(token);
    const prefix = match?.[1] ?? "";
    const parts = partial(match?.[2] ?? "");
    if (!parts) return undefined;
    if (parts.length === 0) continue; // `*`, `x`
    const base = fill(parts);
    if (prefix === "^") {
      out.push([">=", base]);
      // ^1.2.3 := <2.0.0, ^0.2.3 := <0.3.0, ^0.0.3 := <0.0.4 (npm's rule for a leading zero).
      const [major, minor] = base;
      if (major > 0 || parts.length === 1) out.push(["<", bump(parts.slice(0, 1))]);
      else if (minor > 0 || parts.length === 2) out.push(["<", bump(parts.slice(0, 2))]);
      else out.push(["<", bump(parts)]);
    } else if (prefix === "~") {
      out.push([">=", base], ["<", bump(parts.slice(0, Math.min(parts.length, 2)))]);
    } else if (prefix === "" || prefix === "=") {
      if (parts.length === 3) out.push(["=", base]);
      else out.push([">=", base], ["<", bump(parts)]);
    } else {
      out.push([prefix as Op, base]);
    }
  }
  return out;
}

/** `1.2.x` → [1, 2]; `*` → []; `undefined` if not a version. */
function partial(text: string): number[] | undefined {
  if (text === "*" || text === "x" || text === "X") return [];
  const parts: number[] = [];
  for (const piece of text.split(".")) {
    if (/^[xX*]$/.test(piece)) break;
    if (!/^\d+$/.test(piece)) return undefined;
    parts.push(Number(piece));
  }
  return parts.length <= 3 && text.split(".").length <= 3 ? parts : undefined;
}

function fill(parts: readonly number[]): Version {
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0];
}

/** The first version past a partial one: [1] → 2.0.0, [1, 2] → 1.3.0, [1, 2, 3] → 1.2.4. */
function bump(parts: readonly number[]): Version {
  const next = [...parts];
  const last = next.length - 1;
  next[last] = (next[last] ?? 0) + 1;
  return fill(next);
}

function parseVersion(text: string): Version | undefined {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

function compareWith(op: Op, have: Version, want: Version): boolean {
  const c = compare(have, want);
  switch (op) {
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    case "=":
      return c === 0;
  }
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
