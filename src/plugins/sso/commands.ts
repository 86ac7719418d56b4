/**
 * `vsw sso login | logout | sync`: sign in with the device flow, sign out, and write one profile per
 * account and role into a marked block of the AWS config file.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { CommandArgs, PluginCommand, Vsw } from "../../plugin.js";
import { loadAwsConfig, VswError } from "../../plugin.js";
import { atomicWrite } from "../keystore/file-io.js";
import { deviceLogin } from "./oidc.js";
import { accountRoles, logout } from "./portal.js";
import { describeSignIn, type SsoSignIn, signInOf } from "./settings.js";
import { blockId, DEFAULT_TEMPLATE, namesOutside, renderBlock, withBlock } from "./sync.js";
import { withToken } from "./token.js";
import { cacheDir, readToken, removeToken, type SsoToken } from "./token-cache.js";

/** The `sso` command's description: grammar, help and completion. */
export function ssoCommand(): PluginCommand {
  return {
    name: "sso",
    describe: "Sign in to IAM Identity Center (AWS SSO), sign out, or sync its profiles",
    usage: "<action> [profile]",
    help: "IAM Identity Center (AWS SSO): vsw sso login signs in (device flow), vsw sso logout signs out, vsw sso sync writes one profile per account and role into ~/.aws/config. Name the sign-in with --session NAME or a profile; the token is shared with the AWS CLI v2 (~/.aws/sso/cache).",
    positionals: ["sso-action", "profile"],
    flags: {
      "--session": { describe: "The [sso-session NAME] to use", value: "free" },
      "--profile": { describe: "A profile that uses IAM Identity Center", value: "profile" },
      "--no-browser": { describe: "--no-browser: print the sign-in URL and code, open no browser" },
      "--template": {
        describe: "sync: profile names, from {account_name} {account_id} {role_name} {session}",
        value: "free",
        help: `sync: the profile names, from {account_name}, {account_id}, {role_name} and {session} (default ${DEFAULT_TEMPLATE})`,
      },
      "--region": {
        describe: "sync: the region of the written profiles (default: sso_region)",
        value: "region",
      },
    },
    examples: [
      ["vsw sso login --session corp", "Sign in to the [sso-session corp] of ~/.aws/config"],
      ["vsw sso login prod", "Sign in to the IAM Identity Center that profile prod uses"],
      ["vsw sso sync --session corp", "Write a profile per account and role into ~/.aws/config"],
      ["vsw sso sync --session corp --template '{account_id}-{role_name}'", "The same, with other names"],
      ["vsw sso logout", "Sign out of every cached IAM Identity Center sign-in"],
    ],
    run: (args, vsw) => run(args, vsw),
  };
}

async function run(args: CommandArgs, vsw: Vsw): Promise<void> {
  const [action, ...rest] = args.positionals;
  if (action === "login") return login(args, rest, vsw);
  if (action === "logout") return signOut(args, rest, vsw);
  if (action === "sync") return sync(args, rest, vsw);
  throw new VswError(
    "VSW_USAGE",
    action === undefined ? "vsw sso needs an action." : `vsw sso does not know "${action}".`,
    { hint: "Use vsw sso login, vsw sso logout or vsw sso sync (vsw sso --help)." },
  );
}

interface Target {
  signIn: SsoSignIn;
  /** The profile named, for messages (or the session name). */
  profile: string;
  configFile: string;
  configText: string;
}

function flag(args: CommandArgs, name: string): string | undefined {
  const value = args.flags[name];
  if (Array.isArray(value)) return value[value.length - 1];
  return typeof value === "string" ? value : undefined;
}

/** The sign-in the command names: `--session`, a profile (following source_profile), or the only sso-session. */
async function target(
  args: CommandArgs,
  rest: string[],
  vsw: Vsw,
  required = true,
): Promise<Target | undefined> {
  const input = await vsw.hooks.loadConfig.promise({
    profile: "",
    configText: "",
    configFile: "",
    credentialsText: "",
    credentialsFile: "",
    storedKeys: new Set(),
    env: vsw.env,
    flags: {},
  });
  const config = loadAwsConfig(
    input.configText,
    input.configFile,
    input.credentialsText,
    input.credentialsFile,
  );
  const base = { configFile: input.configFile, configText: input.configText };
  const session = flag(args, "session");
  if (rest.length > 1) throw new VswError("VSW_USAGE", `vsw sso takes one profile, got ${rest.length}.`);
  const profile = rest[0] ?? flag(args, "profile");
  if (session !== undefined) {
    const section = config.ssoSessions.get(session);
    if (!section) {
      throw new VswError(
        "VSW_SSO_CONFIG_INVALID",
        `The config "${input.configFile}" has no [sso-session ${session}] section.`,
        {
          hint: "Add one (aws configure sso-session writes it), or name a profile instead.",
        },
      );
    }
    return { ...base, profile: session, signIn: signInOf(session, { sso_session: session }, section.values) };
  }
  if (profile !== undefined) {
    const seen: string[] = [];
    let name = profile;
    for (;;) {
      const found = config.profiles.get(name);
      if (!found) {
        throw new VswError("VSW_PROFILE_NOT_FOUND", `Profile "${name}" is not in "${input.configFile}".`, {
          hint: "vsw list shows the profiles.",
        });
      }
      const v = found.values;
      if (v.sso_session !== undefined || v.sso_start_url !== undefined) {
        const section =
          v.sso_session === undefined ? undefined : config.ssoSessions.get(v.sso_session)?.values;
        return { ...base, profile, signIn: signInOf(name, v, section) };
      }
      seen.push(name);
      if (!v.source_profile || seen.includes(v.source_profile) || seen.length > 10) {
        throw new VswError(
          "VSW_SSO_CONFIG_INVALID",
          `Profile "${profile}" does not use IAM Identity Center.`,
          {
            hint: "Name a profile with sso_session (or sso_start_url), or use --session NAME.",
          },
        );
      }
      name = v.source_profile;
    }
  }
  const sessions = [...config.ssoSessions.keys()];
  if (sessions.length === 1 && sessions[0] !== undefined) {
    const only = sessions[0];
    return {
      ...base,
      profile: only,
      signIn: signInOf(only, { sso_session: only }, config.ssoSessions.get(only)?.values),
    };
  }
  if (!required) return undefined;
  throw new VswError(
    "VSW_USAGE",
    sessions.length
      ? "Name the IAM Identity Center sign-in: the config has several sso-sessions."
      : "The config has no [sso-session] section.",
    {
      hint: sessions.length
        ? `Use --session with one of: ${sessions.join(", ")} (or name a profile).`
        : "Name a profile that uses IAM Identity Center, or run aws configure sso first.",
    },
  );
}

function stderr(text: string): void {
  process.stderr.write(text);
}

async function login(args: CommandArgs, rest: string[], vsw: Vsw): Promise<void> {
  const { signIn } = (await target(args, rest, vsw)) as Target;
  // Why always a new sign-in: `aws sso login` does the same; a user who asks wants a fresh token.
  await deviceLogin(vsw, signIn, { write: stderr, browser: args.flags["no-browser"] !== true });
}

async function signOut(args: CommandArgs, rest: string[], vsw: Vsw): Promise<void> {
  const named =
    args.positionals.length > 1 || flag(args, "session") !== undefined || flag(args, "profile") !== undefined;
  const tokens: Array<{ signIn: SsoSignIn; token: SsoToken | undefined; remove: () => void }> = [];
  if (named) {
    const { signIn } = (await target(args, rest, vsw)) as Target;
    tokens.push({ signIn, token: readToken(vsw.env, signIn), remove: () => removeToken(vsw.env, signIn) });
  } else {
    // As `aws sso logout`: every token of the shared cache (registrations stay, they hold no grant).
    const dir = cacheDir(vsw.env);
    let files: string[] = [];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    } catch {
      // No cache: nothing to sign out of.
    }
    for (const file of files) {
      let doc: Partial<SsoToken> | undefined;
      try {
        doc = JSON.parse(readFileSync(join(dir, file), "utf8")) as Partial<SsoToken>;
      } catch {
        continue;
      }
      if (typeof doc?.accessToken !== "string" || typeof doc.startUrl !== "string") continue;
      const signIn: SsoSignIn = {
        session: null,
        startUrl: doc.startUrl,
        ssoRegion: doc.region ?? "us-east-1",
        scopes: [],
      };
      const { rmSync } = await import("node:fs");
      tokens.push({ signIn, token: doc as SsoToken, remove: () => rmSync(join(dir, file), { force: true }) });
    }
  }
  let count = 0;
  for (const { signIn, token, remove } of tokens) {
    if (token && Date.parse(token.expiresAt) > vsw.now()) {
      try {
        await logout(vsw, signIn, token.accessToken);
      } catch (error) {
        // The local token goes anyway: signing out must not depend on the network.
        vsw.warn(
          `Could not end the IAM Identity Center session of ${describeSignIn(signIn)}: ${(error as Error).message}`,
        );
      }
    }
    remove();
    if (token) count++;
  }
  await dropRoleSessions(vsw);
  stderr(
    count
      ? `Signed out of ${count} IAM Identity Center sign-in${count === 1 ? "" : "s"}.\n`
      : "No IAM Identity Center sign-in was cached.\n",
  );
}

/** Forgets the role credentials vsw cached from IAM Identity Center, as `aws sso logout` clears the CLI's. */
async function dropRoleSessions(vsw: Vsw): Promise<void> {
  try {
    const keystore = vsw.keystore();
    for (const item of await keystore.list("session/sso:role-credentials/")) await keystore.delete(item.name);
  } catch (error) {
    vsw.warn(`The cached IAM Identity Center role sessions were not removed: ${(error as Error).message}`);
  }
}

async function sync(args: CommandArgs, rest: string[], vsw: Vsw): Promise<void> {
  const { signIn, profile, configFile, configText } = (await target(args, rest, vsw)) as Target;
  if (!configFile)
    throw new VswError("VSW_SSO_CONFIG_INVALID", "No AWS config file is known to write to.", {
      hint: "Set AWS_CONFIG_FILE or HOME.",
    });
  const roles = await withToken(vsw, signIn, { profile }, (accessToken) =>
    accountRoles(vsw, signIn, accessToken),
  );
  const template = flag(args, "template") ?? DEFAULT_TEMPLATE;
  if (!/\{(account_name|account_id|role_name)\}/.test(template)) {
    throw new VswError("VSW_USAGE", `The template "${template}" names no account or role.`, {
      hint: "Use {account_name}, {account_id} and {role_name}, e.g. --template '{account_name}/{role_name}'.",
    });
  }
  // Read again now: the token may have been minted on the terminal meanwhile, and the file be edited.
  let current = configText;
  try {
    current = readFileSync(configFile, "utf8");
  } catch {
    current = "";
  }
  const id = blockId(signIn);
  const { text, names, skipped } = renderBlock(signIn, roles, {
    template,
    region: flag(args, "region") ?? signIn.ssoRegion,
    skip: namesOutside(current, id),
  });
  const next = withBlock(current, id, text);
  for (const name of skipped)
    vsw.warn(`Profile "${name}" is already in "${configFile}" outside the sync block; it was left as it is.`);
  if (next === current) {
    process.stdout.write(
      `${configFile} is up to date: ${names.length} profile${names.length === 1 ? "" : "s"} of ${describeSignIn(signIn)}.\n`,
    );
    return;
  }
  // Why 0600 whatever it was: the file names accounts and roles; atomic, so a reader never sees half.
  const existed = statSync(configFile, { throwIfNoEntry: false }) !== undefined;
  atomicWrite(configFile, next);
  process.stdout.write(
    `${existed ? "Updated" : "Wrote"} ${configFile}: ${names.length} profile${names.length === 1 ? "" : "s"} of ${describeSignIn(signIn)}.\n`,
  );
}
