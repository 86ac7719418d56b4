/**
 * A strict parser for the hot commands (`env`, `export`), so that a switch on a cached session
 * does not pay yargs' start-up (~50 ms, measured): it accepts only the exact grammar below and
 * answers `undefined` for anything else (help, unknown flags, typos), which then goes to yargs.
 * Both paths call the same `run*` functions, so behaviour cannot drift.
 */
import type { EnvArgs } from "./commands/env.js";
import type { ExportArgs } from "./commands/export.js";
import type { OffArgs } from "./commands/off.js";

export type FastCommand =
  | { name: "env"; args: EnvArgs }
  | { name: "export"; args: ExportArgs }
  | { name: "off"; args: OffArgs };

const VALUE_OPTIONS: Record<string, string> = {
  "--shell": "shell",
  "--format": "format",
  "--duration": "duration",
  "--region": "region",
  "--mfa-token": "mfaToken",
  "--mfa-serial": "mfaSerial",
  "--keystore": "keystore",
  "--min-remaining": "minRemaining",
  "--plugin": "plugin",
};
/** Options that may be given more than once, collected in order (yargs' `array: true`). */
const REPEATABLE = ["plugin"];
const BOOLEAN_OPTIONS: Record<string, string> = { "--no-session": "noSession", "--debug": "debug" };
const ALLOWED: Record<string, string[]> = {
  env: [
    "shell",
    "duration",
    "region",
    "mfaToken",
    "mfaSerial",
    "keystore",
    "noSession",
    "debug",
    "minRemaining",
    "plugin",
  ],
  export: [
    "shell",
    "format",
    "duration",
    "region",
    "mfaToken",
    "mfaSerial",
    "keystore",
    "noSession",
    "debug",
    "minRemaining",
    "plugin",
  ],
  off: ["shell"],
};
const SHELLS = ["bash", "zsh", "sh", "fish", "pwsh"];

/** Parses `env PROFILE …`, `export PROFILE …` or `off …`; `undefined` means "let yargs decide". */
export function parseFast(argv: readonly string[]): FastCommand | undefined {
  const [name, ...rest] = argv;
  if (name !== "env" && name !== "export" && name !== "off") return undefined;
  const allowed = ALLOWED[name] as string[];
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
    const key = VALUE_OPTIONS[flag] ?? BOOLEAN_OPTIONS[flag];
    if (!key || !allowed.includes(key) || (key in args && !REPEATABLE.includes(key))) return undefined;
    if (flag in BOOLEAN_OPTIONS) {
      if (eq !== -1) return undefined;
      args[key] = true;
      continue;
    }
    const value = eq === -1 ? rest[++i] : word.slice(eq + 1);
    // A missing or empty value goes to yargs, which refuses it (a usage error, never a default).
    if (!value || (eq === -1 && value.startsWith("-"))) return undefined;
    args[key] = REPEATABLE.includes(key) ? [...((args[key] as string[] | undefined) ?? []), value] : value;
  }
  // yargs checks `--shell` against its choices: an unknown one goes there for the same message.
  if (args.shell !== undefined && name !== "export" && !SHELLS.includes(args.shell as string))
    return undefined;
  if (name === "off") return profile === undefined ? { name, args } : undefined;
  if (profile === undefined || profile === "") return undefined;
  return { name, args: { ...args, profile } } as FastCommand;
}
