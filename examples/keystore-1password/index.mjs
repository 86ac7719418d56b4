/**
 * A vsw keystore backed by the 1Password CLI (`op`, version 2): `vsw --keystore 1password …`.
 *
 * Each vsw item is one 1Password item of category Password in one vault (default "vsw"): its title
 * is the vsw item name (`keys/prod`, `session/…`), its `password` field holds the value, and its
 * tags say it is vsw's (`vsw`) and when it expires (`vsw-expires-<epoch ms>`), so `list` gives
 * names and expiry from `op item list` without revealing a single value.
 *
 * Secrets never go into argv (where `ps` and shell history see them, as 1Password's own docs
 * warn): a value goes to `op item create -` or `op item edit` as a JSON item template on stdin,
 * and an existing item is edited in place (same id), so a reader never sees two copies.
 * Locking is the core's (`vsw.lock`), so this keystore needs none.
 *
 * Options (the `[plugin keystore-1password]` section of the vsw config, or the factory's argument):
 * `vault` (default `VSW_1PASSWORD_VAULT`, else "vsw"), `op` (the executable, default "op" on PATH),
 * `account` (passed as `--account`, default: op's own choice, e.g. `OP_ACCOUNT`).
 */
import { spawn } from "node:child_process";
import { definePlugin, VswError } from "vsw/plugin";

const NAME = "keystore-1password";
const TAG = "vsw";
const EXPIRES_TAG = "vsw-expires-";
/** The longest output read from `op` (a vault listing of many items); more is an error. */
const MAX_OUTPUT = 16 * 1024 * 1024;

/**
 * The 1Password keystore plugin.
 * @param {{ vault?: string, op?: string, account?: string }} [options]
 */
export default definePlugin((options = {}) => ({
  name: NAME,
  apiVersion: "^1.0.0",
  version: "0.1.0",
  apply(vsw) {
    /** @type {import("vsw/plugin").Keystore | undefined} */
    let store;
    vsw.hooks.keystore.tap({ name: NAME, keystore: "1password" }, (request) => {
      if (request.name !== "1password") return undefined;
      store ??= onePasswordStore({
        vault: options.vault ?? vsw.env.VSW_1PASSWORD_VAULT ?? "vsw",
        op: options.op ?? "op",
        account: options.account,
        env: vsw.env,
      });
      return store;
    });
  },
}));

/**
 * @param {{ vault: string, op: string, account?: string, env: Record<string, string | undefined> }} ctx
 * @returns {import("vsw/plugin").Keystore}
 */
function onePasswordStore(ctx) {
  const op = (args, input) =>
    runOp(ctx, [...args, ...(ctx.account ? ["--account", ctx.account] : [])], input);
  const vault = ["--vault", ctx.vault];

  /** vsw's items in the vault, as op lists them (no values). */
  const listed = async () => {
    const out = await op(["item", "list", ...vault, "--tags", TAG, "--format", "json"]);
    const items = parseJson(out, "item list");
    return Array.isArray(items) ? items.filter((item) => typeof item?.title === "string") : [];
  };
  /** The ids of the items titled `name`, newest first. */
  const idsOf = async (name) =>
    (await listed())
      .filter((item) => item.title === name)
      .sort((a, b) => String(b.updated_at ?? "").localeCompare(String(a.updated_at ?? "")))
      .map((item) => String(item.id));
  const reveal = async (ref) => {
    const out = await op([
      "item",
      "get",
      ref,
      ...vault,
      "--fields",
      "label=password",
      "--reveal",
      "--format",
      "json",
    ]);
    const field = parseJson(out, "item get");
    const value = Array.isArray(field) ? field[0]?.value : field?.value;
    return typeof value === "string" ? value : "";
  };

  return {
    name: "1password",
    async open() {
      await op(["whoami", "--format", "json"]);
    },
    async list(prefix = "") {
      const items = [];
      for (const item of await listed()) {
        if (!item.title.startsWith(prefix)) continue;
        const tag = (item.tags ?? []).find((t) => typeof t === "string" && t.startsWith(EXPIRES_TAG));
        const expiresAt = tag ? Number(tag.slice(EXPIRES_TAG.length)) : Number.NaN;
        items.push(Number.isFinite(expiresAt) ? { name: item.title, expiresAt } : { name: item.title });
      }
      // Two copies of one title (a replace in flight) list once.
      const unique = [...new Map(items.map((item) => [item.name, item])).values()];
      return unique.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },
    async get(name) {
      try {
        return await reveal(name);
      } catch (error) {
        if (error?.opKind === "not-found") return undefined;
        if (error?.opKind !== "ambiguous") throw error;
        // A replace in flight left two items with this title: the newest is the value.
        const [newest] = await idsOf(name);
        return newest === undefined ? undefined : reveal(newest);
      }
    },
    async set(name, value, meta = {}) {
      const [current, ...stale] = await idsOf(name);
      const tags = [
        TAG,
        ...(meta.expiresAt === undefined ? [] : [`${EXPIRES_TAG}${Math.trunc(meta.expiresAt)}`]),
      ];
      // Title, category and tags are not secret; the value goes through stdin only.
      const template = JSON.stringify({
        title: name,
        category: "PASSWORD",
        fields: [{ id: "password", type: "CONCEALED", purpose: "PASSWORD", label: "password", value }],
      });
      const tagFlag = ["--tags", tags.join(",")];
      if (current === undefined) {
        const create = ["item", "create", "-", ...vault, "--category", "Password", "--title", name];
        await op([...create, ...tagFlag, "--format", "json"], template);
      } else {
        await op(["item", "edit", current, ...vault, ...tagFlag, "--format", "json"], template);
      }
      // Copies made by a race of two first writes: the newest one stays.
      for (const id of stale) await deleteQuietly(id);
    },
    async delete(name) {
      const ids = await idsOf(name);
      for (const id of ids) await deleteQuietly(id);
      return ids.length > 0;
    },
  };

  async function deleteQuietly(id) {
    try {
      await op(["item", "delete", id, ...vault]);
    } catch (error) {
      if (error?.opKind !== "not-found") throw error; // Deleted by another vsw meanwhile.
    }
  }
}

/**
 * Runs `op` with `args` (and `input` on stdin), returns its stdout. A failure is a VswError with
 * this plugin's own code, carrying op's first error line (op never prints a value in an error).
 */
function runOp(ctx, args, input) {
  return new Promise((resolve, reject) => {
    let child;
    try {
      // stdin only when there is input: a piped stdin means "read specifiers or a template" to op.
      child = spawn(ctx.op, args, {
        env: ctx.env,
        stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
      });
    } catch (cause) {
      reject(missing(ctx, cause));
      return;
    }
    const out = [];
    const err = [];
    let size = 0;
    child.stdout.on("data", (chunk) => {
      size += chunk.length;
      if (size > MAX_OUTPUT) child.kill();
      else out.push(chunk);
    });
    child.stderr.on("data", (chunk) => {
      if (err.length < 64) err.push(chunk);
    });
    if (child.stdin) {
      child.stdin.on("error", () => {}); // op may exit before reading stdin; its exit status tells.
      child.stdin.end(input);
    }
    child.on("error", (cause) => reject(cause?.code === "ENOENT" ? missing(ctx, cause) : cause));
    child.on("close", (code) => {
      if (code === 0 && size <= MAX_OUTPUT) {
        resolve(Buffer.concat(out).toString("utf8"));
        return;
      }
      reject(opError(ctx, args, code, Buffer.concat(err).toString("utf8")));
    });
  });
}

/** op's error line without its `[ERROR] date time` prefix, classified. */
function opError(ctx, args, code, stderr) {
  const line =
    stderr
      .split("\n")
      .map((l) => l.replace(/^\[ERROR\]\s+\S+\s+\S+\s+/, "").trim())
      .find((l) => l !== "") ?? `exited with status ${code}`;
  const command = `op ${args.slice(0, 2).join(" ")}`;
  let error;
  if (/not currently signed in|not signed in|no accounts configured|session expired/i.test(line)) {
    error = new VswError(
      "ONEPASSWORD_SIGNED_OUT",
      `The 1Password CLI is not signed in (${command}: ${line}).`,
      {
        hint: "Run `eval $(op signin)` or unlock the 1Password app, then try again.",
      },
    );
  } else if (/isn't a vault/i.test(line)) {
    error = new VswError("ONEPASSWORD_NO_VAULT", `The 1Password vault "${ctx.vault}" does not exist.`, {
      hint: `Create it (op vault create "${ctx.vault}") or set the plugin's vault option or VSW_1PASSWORD_VAULT.`,
    });
  } else {
    error = new VswError("ONEPASSWORD_FAILED", `${command} failed: ${line}`, {
      hint: "Run the same op command yourself to see what 1Password says.",
    });
  }
  if (/isn't an item/i.test(line)) error.opKind = "not-found";
  else if (/more than one item matches/i.test(line)) error.opKind = "ambiguous";
  return error;
}

function missing(ctx, cause) {
  return new VswError("ONEPASSWORD_CLI_MISSING", `The 1Password CLI "${ctx.op}" was not found.`, {
    cause,
    hint: "Install op (https://developer.1password.com/docs/cli/get-started/) or set the plugin's op option to its path.",
  });
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch {
    throw new VswError("ONEPASSWORD_FAILED", `op ${what} printed something that is not JSON.`, {
      hint: "Check that op is the 1Password CLI version 2.",
    });
  }
}
