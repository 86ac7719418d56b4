/**
 * The `shutdown` hook's caller: every core `buildVsw` made in this process is remembered, and
 * bin.ts shuts them all down before vsw exits, after the command succeeded or failed, so a plugin
 * that started a server or a child (a broker, an agent) can stop it.
 */
import type { Vsw } from "../core/vsw.js";
import { printable } from "./report.js";

const built: Vsw[] = [];

/** Remembers `vsw` for `shutdownAll`. */
export function shutDownOnExit(vsw: Vsw): void {
  built.push(vsw);
}

/**
 * Calls the `shutdown` hook of every core built so far, once each. A failure is a warning on
 * stderr, not the command's result: the credentials were handed out (or the command's own error
 * is the one to report), and a plugin that cannot stop its server must not hide either.
 */
export async function shutdownAll(): Promise<void> {
  for (const vsw of built.splice(0)) {
    try {
      await vsw.shutdown();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`vsw: warning: ${printable(message)}\n`);
    }
  }
}
