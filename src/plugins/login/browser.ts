/**
 * Opens a URL in the user's browser: `$BROWSER` (its first entry, as xdg-utils reads the list),
 * else `open` on macOS, else `xdg-open`. The URL is a credential: it goes to the opener as its one
 * argument (the opener needs it; aws-vault does the same), never through a shell, and never into a
 * message.
 */
import type { Vsw } from "../../plugin.js";
import { VswError } from "../../plugin.js";
import { childEnv } from "../child-env.js";

/** How long vsw waits for the opener to say whether it worked; a browser it started stays. */
const OPENER_WAIT_MS = 10_000;

export async function openBrowser(vsw: Vsw, url: string): Promise<void> {
  const fromEnv = (vsw.env.BROWSER ?? "").split(":").find((entry) => entry.trim() !== "");
  // `$BROWSER` may hold arguments (`firefox --new-window`); `%s` marks where the URL goes.
  const words = fromEnv ? fromEnv.trim().split(/\s+/) : [process.platform === "darwin" ? "open" : "xdg-open"];
  const [command, ...rest] = words as [string, ...string[]];
  const args = rest.some((w) => w.includes("%s")) ? rest.map((w) => w.replaceAll("%s", url)) : [...rest, url];
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
