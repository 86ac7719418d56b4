/**
 * Opens the console sign-in URL in the user's browser: `$BROWSER` (its first entry, as xdg-utils
 * reads the list), else `open` on macOS, else `xdg-open`.
 *
 * The URL is a credential for 15 minutes, and a program's arguments are readable by every user of
 * the machine (`ps`, `/proc/PID/cmdline`), so the opener never gets it: it gets the path of a page
 * that sends the browser on (`location.replace`), written 0600 in a 0700 directory of vsw's own —
 * under `$XDG_RUNTIME_DIR` (memory, the user's alone) where there is one, else a private temporary
 * directory — and removed a minute later, and by the next `vsw login`. (aws-vault passes the URL
 * itself.) Never through a shell, never into a message.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { Vsw } from "../../plugin.js";
import { VswError } from "../../plugin.js";
import { childEnv } from "../child-env.js";

/** How long the page is kept: long enough for a browser to read it, far less than the URL lives. */
const PAGE_LIFE_MS = 60_000;

/** The page that sends the browser to `url` without the URL ever being an argument. */
export function redirectPage(url: string): string {
  // JSON with `<` escaped: no `</script>` can end the script early, whatever the URL holds.
  const target = JSON.stringify(url).replaceAll("<", "\\u003c");
  const attribute = url.replaceAll("&", "&amp;").replaceAll('"', "&quot;").replaceAll("<", "&lt;");
  return `<!doctype html>
<meta charset="utf-8">
<meta name="referrer" content="no-referrer">
<title>AWS console sign-in</title>
<script>location.replace(${target});</script>
<noscript><meta http-equiv="refresh" content="0;url=${attribute}"></noscript>
`;
}

/** Writes the page in vsw's private directory (old pages removed first) and returns its path. */
function writePage(vsw: Vsw, url: string): string {
  const runtime = vsw.env.XDG_RUNTIME_DIR;
  let dir: string;
  if (runtime && isAbsolute(runtime)) {
    dir = join(runtime, "vsw", "login");
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const old = Date.now() - PAGE_LIFE_MS;
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (name.startsWith("signin-") && statSync(file).mtimeMs < old) rmSync(file, { force: true });
    }
  } else {
    dir = mkdtempSync(join(process.getBuiltinModule("node:os").tmpdir(), "vsw-login-"));
  }
  const page = join(dir, `signin-${randomBytes(12).toString("hex")}.html`);
  writeFileSync(page, redirectPage(url), { mode: 0o600, flag: "wx" });
  return page;
}

/** Removes `page` (and its private directory, if it has one of its own) after {@link PAGE_LIFE_MS}. */
function removeLater(page: string): void {
  const dir = join(page, "..");
  const own = dir.startsWith(join(process.getBuiltinModule("node:os").tmpdir(), "vsw-login-"));
  // A detached `sh` that outlives vsw; its arguments are paths, never the URL.
  const script = `sleep ${PAGE_LIFE_MS / 1000}; rm -f -- "$1"${own ? '; rmdir -- "$2"' : ""}`;
  try {
    const { spawn } = process.getBuiltinModule("node:child_process");
    spawn("sh", ["-c", script, "sh", page, dir], { detached: true, stdio: "ignore" }).unref();
  } catch {
    // No sh: the next vsw login removes it (under XDG_RUNTIME_DIR), the URL expires in 15 minutes.
  }
}

/** How long vsw waits for the opener to say whether it worked; a browser it started stays. */
const OPENER_WAIT_MS = 10_000;

export async function openBrowser(vsw: Vsw, url: string): Promise<void> {
  const page = writePage(vsw, url);
  try {
    await openPage(vsw, page);
  } finally {
    removeLater(page);
  }
}

async function openPage(vsw: Vsw, page: string): Promise<void> {
  const fromEnv = (vsw.env.BROWSER ?? "").split(":").find((entry) => entry.trim() !== "");
  // `$BROWSER` may hold arguments (`firefox --new-window`); `%s` marks where the URL goes.
  const words = fromEnv ? fromEnv.trim().split(/\s+/) : [process.platform === "darwin" ? "open" : "xdg-open"];
  const [command, ...rest] = words as [string, ...string[]];
  const args = rest.some((w) => w.includes("%s"))
    ? rest.map((w) => w.replaceAll("%s", page))
    : [...rest, page];
  const hint = "Use --stdout to print the sign-in URL and open it yourself.";
  await new Promise<void>((resolve, reject) => {
    // node:child_process (and the net module behind it) is loaded here, not when vsw starts.
    const child = process.getBuiltinModule("node:child_process").spawn(command, args, {
      env: childEnv(vsw.env, vsw.childSecrets),
      stdio: "ignore",
      detached: true,
    });
    const timer = setTimeout(() => {
      child.unref();
      resolve();
    }, OPENER_WAIT_MS);
    timer.unref();
    child.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new VswError(
          "VSW_BROWSER_FAILED",
          error.code === "ENOENT"
            ? `No browser opener "${command}" was found.`
            : `The browser opener "${command}" could not be started (${error.code ?? "error"}).`,
          { hint: fromEnv ? `Check BROWSER. ${hint}` : `Install xdg-utils or set BROWSER. ${hint}` },
        ),
      );
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      reject(
        new VswError(
          "VSW_BROWSER_FAILED",
          `The browser opener "${command}" failed (${signal ? `signal ${signal}` : `exit ${code}`}).`,
          { hint },
        ),
      );
    });
  });
}
