import type { PluginCommand } from "../core/commands.js";
import { createVsw } from "../core/vsw.js";
import { builtinPlugins } from "../plugins/index.js";

/**
 * The commands the built-in plugins add through the `commands` hook (`vsw sso`, `login`, `rotate`,
 * the hidden `exec-server`), read from a bare core holding only the built-ins: no keystore is
 * opened and no file read, so `vsw --help` stays fast. The visible ones are
 * `BUILTIN_PLUGIN_COMMANDS` of the CLI grammar (test/builtin-commands.test.ts checks it).
 */
export function builtinPluginCommands(): PluginCommand[] {
  const vsw = createVsw({ env: {} });
  for (const plugin of builtinPlugins()) vsw.use(plugin);
  return vsw.hooks.commands.call([]) ?? [];
}
