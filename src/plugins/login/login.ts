/**
 * `vsw login PROFILE [SERVICE]`: a console sign-in URL through the AWS federation endpoint, as
 * aws-vault's `login`. A profile with a role (or any step that yields a session) signs in as that
 * session; an IAM-user profile without a role signs in as a federated user from its long-lived
 * keys (GetFederationToken), which cannot carry MFA. The URL opens in the browser, or is printed
 * with `--stdout`: it is a credential for 15 minutes, so it is never logged.
 */
import type {
  CommandArgs,
  Credentials,
  Plan,
  PluginCommand,
  ResolveFlags,
  Vsw,
  VswPlugin,
} from "../../plugin.js";
import { parseDuration, VswError } from "../../plugin.js";
import { printableText } from "../printable.js";
import { openBrowser } from "./browser.js";
import {
  CONSOLE_SERVICES,
  consoleDestination,
  FEDERATION_ENV,
  federationEndpoint,
  loginUrl,
  servicePath,
} from "./console-url.js";
import { federationToken, signinToken } from "./signin.js";

const NAME = "command-login";

/** The built-in `vsw login` command. */
export function loginCommand(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.commands.tap(NAME, (commands) => [...commands, LOGIN]);
    },
  };
}

const LOGIN: PluginCommand = {
  name: "login",
  describe: "Open the AWS console signed in as a profile",
  usage: "<profile> [service]",
  help: [
    "Open the AWS console signed in as PROFILE, through the federation endpoint (aws-vault login).",
    "A profile with a role signs in as that role's session (MFA is asked as for vsw exec). A profile of an IAM user without a role signs in as a federated user that GetFederationToken makes from the user's long-lived keys: that session carries no MFA, whatever the profile's mfa_serial says, and cannot call IAM.",
    "SERVICE opens that service's console page (s3, ec2 …); --path opens any page; --region picks the console region (default: the profile's).",
    "The sign-in URL is a credential for 15 minutes: vsw never logs it, and prints it (on stdout) only with --stdout. Otherwise it opens in $BROWSER, else xdg-open (open on macOS).",
    `The federation endpoint is https://signin.aws.amazon.com (https://signin.amazonaws-us-gov.com for us-gov- regions, https://signin.amazonaws.cn for cn- regions); the environment variable ${FEDERATION_ENV} replaces it (https, or http to 127.0.0.1).`,
  ].join("\n\n"),
  positionals: ["profile", { values: CONSOLE_SERVICES }],
  flags: {
    "--path": { describe: "Console page to open (e.g. ec2/home#Instances)", value: "free" },
    "--region": { describe: "Console region (default: the profile's)", value: "region" },
    "--stdout": { describe: "Print the sign-in URL instead of opening a browser" },
    "--mfa-token": {
      describe: "MFA code, when the role needs one (else asked on the terminal)",
      value: "free",
    },
    "--duration": {
      describe: "Session length (15m to 12h; the federated session up to 36h)",
      value: "free",
    },
  },
  examples: [
    ["vsw login prod", "open the console as the prod role"],
    ["vsw login prod s3 --region eu-west-1", "open the S3 console in eu-west-1"],
    ["vsw login dev --stdout", "print the sign-in URL (valid 15 minutes)"],
  ],
  run: (args, vsw) => runLogin(args, vsw),
};

async function runLogin(args: CommandArgs, vsw: Vsw): Promise<void> {
  const [profile, service, ...extra] = args.positionals;
  if (!profile || extra.length > 0) {
    throw new VswError("VSW_USAGE", "vsw login takes a profile and at most one service.", {
      hint: "vsw login PROFILE [SERVICE] [--path P] [--region R] [--stdout]",
    });
  }
  const path = stringFlag(args, "path");
  if (service !== undefined && path !== undefined) {
    throw new VswError("VSW_USAGE", "Give either a service or --path, not both.", {
      hint: `vsw login ${profile} --path ${service}/home`,
    });
  }
  const flags: ResolveFlags = {};
  const region = stringFlag(args, "region");
  if (region !== undefined) flags.region = region;
  const duration = stringFlag(args, "duration");
  if (duration !== undefined) flags.durationSeconds = parseDuration(duration);
  const page = service !== undefined ? servicePath(service) : path;

  const plan = await vsw.plan(profile, flags);
  let credentials: Credentials;
  let consoleRegion: string | null;
  let sessionDuration: number | undefined;
  if (userWithoutRole(plan)) {
    ({ credentials, region: consoleRegion } = await federatedSession(vsw, plan, flags));
  } else {
    const resolved = await vsw.credentials(profile, flags);
    consoleRegion = resolved.region;
    credentials = resolved.credentials;
    // A credential_process may hand out long-lived keys: then only a federated user can sign in.
    if (!credentials.sessionToken) {
      credentials = await federationToken({
        profile,
        keys: credentials,
        durationSeconds: flags.durationSeconds ?? 3600,
        endpoint: stsEndpoint(vsw, plan),
        region: consoleRegion,
        env: vsw.env,
      });
      warnNoMfa(vsw, profile);
    } else if (flags.durationSeconds !== undefined && !chainedRole(plan)) {
      // AWS refuses SessionDuration for role-chaining sessions (their console session is 1 h).
      sessionDuration = flags.durationSeconds;
    }
  }
  const endpoint = federationEndpoint(vsw.env, consoleRegion);
  const token = await signinToken(endpoint, profile, credentials, sessionDuration);
  const url = loginUrl(endpoint, consoleDestination(consoleRegion, page), token);
  if (args.flags.stdout === true) {
    process.stdout.write(`${url}\n`);
    return;
  }
  await openBrowser(vsw, url);
  process.stderr.write(
    `vsw: opened the AWS console for "${printableText(profile)}" in the browser (the link works for 15 minutes).\n`,
  );
}

/**
 * Whether the plan ends in an IAM user's own keys (stored keys, maybe their GetSessionToken): no
 * role to sign in as, so aws-vault's GetFederationToken path. A GetSessionToken session cannot
 * sign in (the federation endpoint refuses it) nor call GetFederationToken.
 */
function userWithoutRole(plan: Plan): boolean {
  return (
    plan.steps[0].type === "keys" &&
    plan.steps.every((s) => s.type === "keys" || s.type === "GetSessionToken")
  );
}

function chainedRole(plan: Plan): boolean {
  const last = plan.steps[plan.steps.length - 1];
  return last?.type === "AssumeRole" && last.chained;
}

async function federatedSession(
  vsw: Vsw,
  plan: Plan,
  flags: ResolveFlags,
): Promise<{ credentials: Credentials; region: string | null }> {
  // Policy first, as for every command that obtains credentials: nothing read before it allows.
  if (vsw.hooks.authorize.taps.length)
    await vsw.hooks.authorize.promise({ profile: plan.profile, plan, env: vsw.env, flags });
  const [source] = plan.steps;
  const keys = await vsw.hooks.sourceCredentials.promise({ step: source, keystore: vsw.keystore() });
  if (!keys) {
    throw new VswError(
      "VSW_NO_SOURCE",
      `No plugin answered "sourceCredentials" for the keys of "${source.profile}".`,
      {
        hint: "A plugin that handles this kind of step is missing; check --keystore and your plugins.",
      },
    );
  }
  const credentials = await federationToken({
    profile: plan.profile,
    keys,
    durationSeconds: flags.durationSeconds ?? 3600,
    endpoint: stsEndpoint(vsw, plan),
    region: plan.region,
    env: vsw.env,
  });
  warnNoMfa(vsw, plan.profile);
  return { credentials, region: plan.region };
}

function warnNoMfa(vsw: Vsw, profile: string): void {
  vsw.warn(
    `Profile "${profile}" has no role: signing in as a federated user from its long-lived keys (GetFederationToken), which carries no MFA.`,
  );
}

/** The STS endpoint the way the SDK and the STS plugin choose it: the variables, then endpoint_url. */
function stsEndpoint(vsw: Vsw, plan: Plan): string | undefined {
  const fromPlan = plan.steps.find((s) => "endpointUrl" in s && s.endpointUrl) as
    | { endpointUrl?: string }
    | undefined;
  return vsw.env.AWS_ENDPOINT_URL_STS || vsw.env.AWS_ENDPOINT_URL || fromPlan?.endpointUrl || undefined;
}

function stringFlag(args: CommandArgs, name: string): string | undefined {
  const value = args.flags[name];
  return typeof value === "string" ? value : undefined;
}
