/** Plaintext searches: which files under a directory hold a secret's bytes. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

/** Files under `dir` (links not followed, files over 32 MiB skipped) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    let entries: string[] = [];
    try {
      entries = readdirSync(current);
    } catch {}
    for (const entry of entries) {
      const file = join(current, entry);
      let stat: ReturnType<typeof statSync> | undefined;
      try {
        stat = statSync(file, { throwIfNoEntry: false });
      } catch {}
      if (!stat) continue;
      if (stat.isDirectory()) walk(file);
      else if (stat.isFile() && stat.size < 32 * 1024 * 1024) {
        try {
          if (readFileSync(file).includes(needle)) found.push(file);
        } catch {}
      }
    }
  };
  walk(dir);
  return found;
}
