/**
 * `vsw __complete WORD…`: the one completion engine behind the bash, zsh and fish wrappers.
 *
 * Protocol (the wrappers in shell/ are its only callers): `vsw __complete [--quoted] -- WORD…`
 * - WORD…: the words after `vsw` up to the cursor, as the shell split them, with quoting removed.
 *   The last word is the one being completed (`""` when the cursor starts a new word).
 *   `--quoted`: the words are as typed, with POSIX quotes and backslashes still in them (bash has
 *   no builtin to remove them); vsw removes them itself.
 * - stdout: a first line `:words` or `:default`, then one candidate a line, `VALUE` or
 *   `VALUE<TAB>DESCRIPTION`, already filtered by the prefix of the last word. `:default` asks the
 *   shell for its own file completion (the command line after `vsw exec PROFILE --`).
 * - It never fails: anything going wrong (an unreadable config, a locked keystore) just leaves out
 *   the profile names. Errors are never printed, since they would garble the command line.
 *
 * bin.ts dispatches it before yargs is loaded, and it imports neither yargs, prompts, chalk nor the
 * AWS SDK: only the config reader and the keystore's list of item names.
 */

import type { Argv, CommandModule } from "yargs";
import { knownProfiles } from "../../core/pipeline.js";
import type { Vsw } from "../../core/vsw.js";
import {
  COMMAND_SPECS,
  type CommandSpec,
  type FlagSpec,
  GLOBAL_FLAGS,
  SWITCH_SPEC,
  TOP_FLAGS,
  VALUES,
  type ValueKind,
} from "../complete-specs.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { pluginCommands } from "../plugin-commands.js";
import { printable } from "../report.js";
import { writeStdout } from "../stdout.js";

export {
  COMMAND_SPECS,
  type CommandSpec,
  type FlagSpec,
  GLOBAL_FLAGS,
  type ValueKind,
} from "../complete-specs.js";

import { yargsHead } from "../options.js";

/** What the plugins add to the grammar: their commands, and every format name (built-ins' too). */
export interface PluginGrammar {
  commands: readonly CommandSpec[];
  formats: readonly string[];
}

/** The grammar without plugins (and the answer when they cannot be loaded). */
const BUILTIN_GRAMMAR: PluginGrammar = { commands: [], formats: ["env", "json", "ini", "dotenv"] };

/** A profile as completion shows it. */
export interface ProfileInfo {
  name: string;
  /** Short description: the role ARN, or where its credentials come from. */
  describe: string;
  stored: boolean;
  region: string | undefined;
}

/** One answer: candidates, or a request for the shell's own completion. */
export interface Completion {
  mode: "words" | "default";
  candidates: Array<{ value: string; describe?: string }>;
}

/** Finds the spec of `word` (a command name or alias), among `extra` (plugins' commands) too. */
export function findCommand(word: string, extra: readonly CommandSpec[] = []): CommandSpec | undefined {
  return [...COMMAND_SPECS, ...extra].find((spec) => spec.name === word || spec.aliases?.includes(word));
}

/**
 * The candidates for the last of `words`. `profiles` is called only when profile names or regions
 * are needed, so completing a flag reads no file; `plugins` only when a plugin's command or the
 * format names may be needed.
 */
export async function complete(
  words: readonly string[],
  profiles: () => Promise<ProfileInfo[]>,
  plugins: () => Promise<PluginGrammar> = async () => BUILTIN_GRAMMAR,
): Promise<Completion> {
  const current = words[words.length - 1] ?? "";
  const before = words.slice(0, -1);
  const first = before[0];
  const grammar = async () => {
    try {
      return await plugins();
    } catch {
      return BUILTIN_GRAMMAR;
    }
  };
  if (first === undefined) {
    if (current.startsWith("-")) return answer(flagCandidates(TOP_FLAGS, []), current);
    const extra = (await grammar()).commands;
    const commands = [...COMMAND_SPECS, ...extra]
      .filter((spec) => !spec.hidden)
      .map((spec) => ({ value: spec.name, describe: spec.describe }));
    // A word that is both resolves as the command (the wrapper's rule), so the name is not offered twice.
    const names = (await safe(profiles))
      .filter((p) => !findCommand(p.name, extra))
      .map((p) => ({ value: p.name, describe: p.describe }));
    return answer([...commands, ...names], current);
  }
  if (first.startsWith("-")) return answer([], current);
  const command = findCommand(first) ?? findCommand(first, (await grammar()).commands);
  const spec = command ?? SWITCH_SPEC;
  const flags = { ...GLOBAL_FLAGS, ...spec.flags };
  // The switch form's first word is its profile: positional 0 is already given.
  let position = command ? 0 : 1;
  let pending: FlagSpec | undefined;
  let dashDash = false;
  const used: string[] = [];
  for (const word of before.slice(1)) {
    if (pending) {
      pending = undefined;
      continue;
    }
    if (!dashDash && word === "--") {
      dashDash = true;
      continue;
    }
    if (!dashDash && word.startsWith("-") && word !== "-") {
      const eq = word.indexOf("=");
      const name = eq === -1 ? word : word.slice(0, eq);
      used.push(name);
      const flag = flags[name];
      if (flag?.value && eq === -1) pending = flag;
      continue;
    }
    position++;
  }
  if (pending?.value) return values(pending.value, "", current, profiles, grammar);
  const kind = dashDash ? (spec.rest ?? "free") : (spec.positionals[position] ?? spec.rest ?? "free");
  if (!dashDash && current.startsWith("-")) {
    const eq = current.indexOf("=");
    if (eq !== -1) {
      const flag = flags[current.slice(0, eq)];
      return flag?.value
        ? values(flag.value, current.slice(0, eq + 1), current, profiles, grammar)
        : answer([], current);
    }
    return answer(flagCandidates(flags, used), current);
  }
  return values(kind, "", current, profiles, grammar);
}

async function values(
  kind: ValueKind,
  prefix: string,
  current: string,
  profiles: () => Promise<ProfileInfo[]>,
  plugins: () => Promise<PluginGrammar>,
): Promise<Completion> {
  if (kind === "command") return { mode: "default", candidates: [] };
  let list: Array<{ value: string; describe?: string }>;
  if (kind === "profile" || kind === "stored") {
    list = (await safe(profiles))
      .filter((p) => kind === "profile" || p.stored)
      .map((p) => ({ value: p.name, describe: p.describe }));
  } else if (kind === "region") {
    const regions = new Set((await safe(profiles)).map((p) => p.region).filter((r): r is string => !!r));
    list = [...regions].sort().map((value) => ({ value }));
  } else if (kind === "format") {
    list = (await plugins()).formats.map((value) => ({ value }));
  } else if (typeof kind === "object") {
    // A plugin command's own fixed candidates (`vsw login PROFILE <service>`).
    list = kind.values.map((value) => ({ value }));
  } else {
    list = (VALUES[kind] ?? []).map((value) => ({ value }));
  }
  return answer(
    list.map((c) => ({ ...c, value: prefix + c.value })),
    current,
  );
}

function flagCandidates(flags: Readonly<Record<string, FlagSpec>>, used: readonly string[]) {
  return Object.entries(flags)
    .filter(([name, flag]) => !used.includes(name) || flag.repeatable)
    .map(([name, flag]) => ({ value: name, describe: flag.describe }));
}

/** Keeps the candidates that start with `current` and that the line protocol can carry. */
function answer(candidates: Array<{ value: string; describe?: string }>, current: string): Completion {
  const seen = new Set<string>();
  const kept = candidates.filter((c) => {
    if (!c.value.startsWith(current) || /[\n\r\t]/.test(c.value) || seen.has(c.value)) return false;
    seen.add(c.value);
    return true;
  });
  return { mode: "words", candidates: kept };
}

async function safe(profiles: () => Promise<ProfileInfo[]>): Promise<ProfileInfo[]> {
  try {
    return await profiles();
  } catch {
    return [];
  }
}

/** The lines printed for a completion (see the protocol above). */
export function renderCompletion(completion: Completion): string {
  const lines = [`:${completion.mode}`];
  for (const c of completion.candidates) {
    const describe = c.describe?.replace(/[\n\r\t]/g, " ");
    lines.push(describe ? `${c.value}\t${describe}` : c.value);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Every profile a user can switch to, as `vsw list --names` finds them: the config's profiles,
 * then the names with stored keys. When the keystore cannot list (locked, unavailable), the
 * config's profiles alone.
 */
export async function switchableProfiles(vsw: Vsw): Promise<ProfileInfo[]> {
  const { profiles, storedKeys, names } = await knownProfiles(vsw);
  // A name with a control character is not offered (it would reach the terminal raw, and an
  // escaped one names no profile); `vsw list` shows it escaped. Descriptions are escaped.
  return names
    .filter((name) => printable(name) === name)
    .map((name) => {
      const values = profiles.get(name)?.values ?? {};
      const stored = storedKeys.has(name);
      const source = values.source_profile
        ? `from ${values.source_profile}`
        : stored
          ? "stored keys"
          : "profile";
      return { name, describe: printable(values.role_arn ?? source), stored, region: values.region };
    });
}

/** Parses the arguments after `__complete`: options up to `--`, then the words. */
export function parseCompleteArgs(argv: readonly string[]): string[] {
  const dash = argv.indexOf("--");
  if (dash === -1) return [...argv];
  const options = argv.slice(0, dash);
  const words = argv.slice(dash + 1);
  return options.includes("--quoted") ? words.map(dequotePosix) : words;
}

/**
 * Removes POSIX quoting from a word as typed: '…', "…" (where \ escapes $ ` " \ and newline),
 * $'…' (its escapes are kept as typed: they are rare on a command line) and backslashes. An
 * unterminated quote runs to the end of the word, as the user is still typing it.
 */
export function dequotePosix(word: string): string {
  let out = "";
  for (let i = 0; i < word.length; i++) {
    const c = word[i] as string;
    if (c === "\\") {
      if (i + 1 < word.length) out += word[++i];
    } else if (c === "'" || (c === "$" && word[i + 1] === "'")) {
      if (c === "$") i++;
      const end = word.indexOf("'", i + 1);
      out += word.slice(i + 1, end === -1 ? undefined : end);
      i = end === -1 ? word.length : end;
    } else if (c === '"') {
      for (i++; i < word.length && word[i] !== '"'; i++) {
        if (word[i] === "\\" && i + 1 < word.length && '$`"\\\n'.includes(word[i + 1] as string)) i++;
        out += word[i];
      }
    } else {
      out += c;
    }
  }
  return out;
}

/** Runs the protocol: `argv` are the arguments after `__complete`. */
export async function runComplete(argv: readonly string[]): Promise<void> {
  const words = parseCompleteArgs(argv);
  let completion: Completion;
  try {
    // Warnings of the core go to stderr, which every wrapper discards while completing. One core
    // for both questions, built when the first is asked; its plugins are the config file's and
    // VSW_PLUGINS' (a --plugin being typed is not loaded on Tab).
    let built: Promise<Vsw> | undefined;
    const vsw = () => {
      built ??= buildVsw({});
      return built;
    };
    completion = await complete(
      words.length ? words : [""],
      async () => switchableProfiles(await vsw()),
      async () => {
        const core = await vsw();
        return { commands: pluginCommands(core), formats: core.hooks.format.names() };
      },
    );
  } catch {
    completion = { mode: "words", candidates: [] };
  }
  writeStdout(renderCompletion(completion));
}

interface CompleteArgs extends GlobalArgs {
  words?: string[] | undefined;
}

/**
 * Registered so the name is reserved and listed for the wrappers; bin.ts answers `__complete`
 * before yargs is loaded, so this handler runs only if that dispatch is bypassed.
 */
export const completeCommand: CommandModule<GlobalArgs, CompleteArgs> = {
  ...yargsHead("__complete"),
  builder: (yargs) =>
    yargs.strict(false).positional("words", { type: "string", array: true }) as unknown as Argv<CompleteArgs>,
  handler: (args) => runComplete(args.words ?? []),
};
