import type { CommandModule } from "yargs";
import { VswError } from "../../core/errors.js";
import { isInvisible } from "../../plugins/format/shell-quote.js";
import type { GlobalArgs } from "../context.js";
import { buildVsw } from "../context.js";
import { yargsHead } from "../options.js";
import { switchableProfiles } from "./complete.js";

/**
 * `vsw pick`: a type-to-filter list of profiles on the terminal; prints the chosen name on stdout,
 * exactly (a newline follows only on a terminal), and the wrapper's `vsw` alone switches to it.
 * Esc or Ctrl-C: exit 1, VSW_CANCELLED.
 * The list is drawn on /dev/tty, so it works while the wrapper captures stdout.
 */
export async function runPick(args: GlobalArgs): Promise<void> {
  const vsw = await buildVsw(args);
  const profiles = await switchableProfiles(vsw);
  if (profiles.length === 0) {
    throw new VswError("VSW_PROFILE_NOT_FOUND", "There is no profile to pick from.", {
      hint: "Add profiles to ~/.aws/config, or store keys with vsw add PROFILE.",
    });
  }
  const terminal = vsw.terminal.open();
  if (!terminal) {
    throw new VswError("VSW_NO_TTY", "vsw pick needs a terminal to show the list on.", {
      hint: "Name the profile instead: vsw PROFILE.",
    });
  }
  let chosen: unknown;
  let cancelled = false;
  try {
    const { default: prompts } = await import("prompts");
    const answer = await prompts(
      {
        type: "autocomplete",
        name: "profile",
        message: "Switch to",
        choices: profiles.map((p) => ({
          title: printable(p.name),
          description: printable(p.describe),
          value: p.name,
        })),
        // Type to filter: every typed word must appear somewhere in the name (case-insensitive).
        suggest: async (input: string, choices) => {
          const words = input.toLowerCase().split(/\s+/).filter(Boolean);
          return choices.filter((c) => words.every((w) => String(c.title).toLowerCase().includes(w)));
        },
        limit: 15,
        // Esc "exits" an autocomplete in prompts, answering the highlighted choice; here it cancels.
        onState: (state: { aborted?: boolean; exited?: boolean }) => {
          if (state.aborted || state.exited) cancelled = true;
        },
        stdin: terminal.input as NodeJS.ReadStream,
        stdout: terminal.output as NodeJS.WriteStream,
      },
      {
        onCancel: () => {
          cancelled = true;
          return false;
        },
      },
    );
    chosen = answer.profile;
  } finally {
    terminal.close();
  }
  if (cancelled || typeof chosen !== "string") throw new VswError("VSW_CANCELLED", "No profile was picked.");
  // The name exactly, for `$(vsw pick)`; a newline only for a person reading a terminal.
  process.stdout.write(process.stdout.isTTY ? `${chosen}\n` : chosen);
}

/** The name as the list shows it: invisible characters as `\u{…}`, so a hostile name cannot drive the terminal. */
function printable(text: string): string {
  return [...text]
    .map((c) => (isInvisible(c.codePointAt(0) ?? 0) ? `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}` : c))
    .join("");
}

export const pickCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  ...yargsHead("pick"),
  handler: runPick,
};
