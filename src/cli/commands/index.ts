/** Every yargs command module, in the order `vsw --help` lists them. */
import { addCommand } from "./add.js";
import { clearCommand } from "./clear.js";
import { completeCommand } from "./complete.js";
import { envCommand } from "./env.js";
import { execCommand } from "./exec.js";
import { exportCommand } from "./export.js";
import { importCommand } from "./import.js";
import { initCommand } from "./init.js";
import { keystoreCommand } from "./keystore.js";
import { listCommand } from "./list.js";
import { lockCommand } from "./lock.js";
import { mfaCommand } from "./mfa.js";
import { offCommand } from "./off.js";
import { pickCommand } from "./pick.js";
import { planCommand } from "./plan.js";
import { pluginsCommand } from "./plugins.js";
import { removeCommand } from "./remove.js";
import { sandboxCommand } from "./sandbox.js";
import { useCommand } from "./use.js";

export const commands = [
  envCommand,
  exportCommand,
  execCommand,
  planCommand,
  listCommand,
  addCommand,
  removeCommand,
  clearCommand,
  lockCommand,
  keystoreCommand,
  importCommand,
  mfaCommand,
  initCommand,
  offCommand,
  useCommand,
  pickCommand,
  pluginsCommand,
  sandboxCommand,
  completeCommand,
];
