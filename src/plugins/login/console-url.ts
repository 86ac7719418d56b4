/**
 * Where `vsw login` signs in: the federation endpoint and the console page, per partition, as
 * aws-vault's `generateLoginURL` builds them. Pure functions: no network, no secret.
 */
import type { Env } from "../../plugin.js";
import { VswError } from "../../plugin.js";

/** The variable that replaces the federation endpoint (a test's emulator, a proxy). */
export const FEDERATION_ENV = "VSW_FEDERATION_ENDPOINT";

/** Console services a user names often, for completion (`vsw login dev s3`); any word works. */
export const CONSOLE_SERVICES = [
  "billing",
  "cloudformation",
  "cloudwatch",
  "codebuild",
  "codepipeline",
  "dynamodbv2",
  "ec2",
  "ecr",
  "ecs",
  "eks",
  "iam",
  "kms",
  "lambda",
  "rds",
  "route53",
  "s3",
  "secretsmanager",
  "sns",
  "sqs",
  "ssm",
  "vpc",
] as const;

/** The partition's sign-in and console domains, from the region's prefix (aws-vault's rule). */
function partition(region: string | null): { signin: string; console: string } {
  if (region?.startsWith("cn-"))
    return { signin: "https://signin.amazonaws.cn", console: "console.amazonaws.cn" };
  if (region?.startsWith("us-gov-"))
    return { signin: "https://signin.amazonaws-us-gov.com", console: "console.amazonaws-us-gov.com" };
  return { signin: "https://signin.aws.amazon.com", console: "console.aws.amazon.com" };
}

/**
 * The federation endpoint's base URL: `VSW_FEDERATION_ENDPOINT`, else the partition's. Security
 * decision: the session's secret goes there, so only https, or http to a loopback address (the
 * emulator), is accepted.
 */
export function federationEndpoint(env: Env, region: string | null): string {
  const given = env[FEDERATION_ENV];
  if (!given) return partition(region).signin;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new VswError("VSW_CONFIG_INVALID", `${FEDERATION_ENV} is not a URL.`, {
      hint: "Set it to the base URL of the federation endpoint, e.g. https://signin.aws.amazon.com.",
    });
  }
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw new VswError(
      "VSW_CONFIG_INVALID",
      `${FEDERATION_ENV} must be an https URL (or http to 127.0.0.1).`,
      {
        hint: "The session's secret is sent there; unset the variable to use AWS's endpoint.",
      },
    );
  }
  return given.replace(/\/+$/, "");
}

/**
 * The console page to land on: `https://REGION.console…/PATH?region=REGION`, the console home of
 * the region without a path, and the global console home without a region.
 */
export function consoleDestination(region: string | null, path: string | undefined): string {
  const { console: domain } = partition(region);
  const page = (path ?? "").replace(/^\/+/, "");
  if (!region) return `https://${domain}/${page}`;
  const host = `https://${region}.${domain}`;
  if (!page) return `${host}/console/home?region=${encodeURIComponent(region)}`;
  const joiner = page.includes("?") ? "&" : "?";
  return `${host}/${page}${joiner}region=${encodeURIComponent(region)}`;
}

/** The page of a service's console (`s3` → `s3/home`). */
export function servicePath(service: string): string {
  if (!/^[a-z0-9-]+$/.test(service)) {
    throw new VswError("VSW_USAGE", `"${service}" is not a console service name.`, {
      hint: "Name a service as it appears in console URLs (s3, ec2, iam …), or give --path.",
    });
  }
  return `${service}/home`;
}

/** The sign-in URL: the federation endpoint's login action with the token and the destination. */
export function loginUrl(endpoint: string, destination: string, signinToken: string): string {
  const query = new URLSearchParams({
    Action: "login",
    Issuer: "vsw",
    Destination: destination,
    SigninToken: signinToken,
  });
  return `${endpoint}/federation?${query.toString()}`;
}
