/**
 * A strict parser for the hot commands (`env`, `export`), so that a switch on a cached session
 * does not pay yargs' start-up (~50 ms, measured): it accepts only the exact grammar below and
 * answers `undefined` for anything else (help, unknown flags, typos), which then goes to yargs.
 * Both paths call the same `run*` functions, so behaviour cannot drift, and the flags come from the
 * one CLI grammar (complete-specs.ts), so the two cannot accept different ones.
 */
import type { EnvArgs } from "./commands/env.js";
import type { ExportArgs } from "./commands/export.js";
import type { OffArgs } from "./commands/off.js";
import { COMMAND_SPECS, GLOBAL_FLAGS, VALUES } from "./complete-specs.js";

export type FastCommand =
  | { name: "env"; args: EnvArgs }
  | { name: "export"; args: ExportArgs }
  | { name: "off"; args: OffArgs };

type FastName = FastCommand["name"];

/** A flag of the fast grammar: its key in the args, and whether it takes a value or repeats. */
interface FastFlag {
  key: string;
  value: boolean;
  repeatable: boolean;
}

/**
 * The flags of each fast command, from the one CLI grammar (complete-specs.ts): the command's own
 * and the global ones but `--help`, which goes to yargs. `--no-session` is the key `noSession`.
 */
function fastFlags(name: FastName): Map<string, FastFlag> {
  const spec = COMMAND_SPECS.find((s) => s.name === name);
  const flags = new Map<string, FastFlag>();
  for (const [flag, f] of Object.entries({ ...GLOBAL_FLAGS, ...spec?.flags })) {
    if (flag === "--help") continue;
    const key = camelCase(flag.slice(2));
    flags.set(flag, { key, value: f.value !== undefined, repeatable: f.repeatable === true });
  }
  return flags;
}

/**
 * `min-remaining` → `minRemaining`: what `replace(/-([a-z])/g, upper)` gives, without compiling a
 * regular expression on every switch.
 */
export function camelCase(words: string): string {
  let out = "";
  for (let i = 0; i < words.length; i++) {
    const next = words.charCodeAt(i + 1);
    if (words[i] === "-" && next >= 0x61 && next <= 0x7a) {
      out += String.fromCharCode(next - 0x20);
      i++;
    } else {
      out += words[i];
    }
  }
  return out;
}

/** Parses `env PROFILE …`, `export PROFILE …` or `off …`; `undefined` means "let yargs decide". */
export function parseFast(argv: readonly string[]): FastCommand | undefined {
  const [name, ...rest] = argv;
  if (name !== "env" && name !== "export" && name !== "off") return undefined;
  const flags = fastFlags(name);
  const args: Record<string, unknown> = {};
  let profile: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (!word.startsWith("-")) {
      if (profile !== undefined) return undefined;
      profile = word;
      continue;
    }
    const eq = word.indexOf("=");
    const flag = eq === -1 ? word : word.slice(0, eq);
    const known = flags.get(flag);
    if (!known || (known.key in args && !known.repeatable)) return undefined;
    const { key } = known;
    if (!known.value) {
      if (eq !== -1) return undefined;
      args[key] = true;
      continue;
    }
    const value = eq === -1 ? rest[++i] : word.slice(eq + 1);
    // A missing or empty value goes to yargs, which refuses it (a usage error, never a default).
    if (!value || (eq === -1 && value.startsWith("-"))) return undefined;
    args[key] = known.repeatable ? [...((args[key] as string[] | undefined) ?? []), value] : value;
  }
  // yargs checks `--shell` against its choices: an unknown one goes there for the same message.
  if (args.shell !== undefined && name !== "export" && !VALUES.shell?.includes(args.shell as string))
    return undefined;
  if (name === "off") return profile === undefined ? { name, args } : undefined;
  if (profile === undefined || profile === "") return undefined;
  return { name, args: { ...args, profile } } as FastCommand;
}
