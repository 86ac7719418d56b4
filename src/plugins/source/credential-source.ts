import type { Credentials, Env, Plan, PluginStep, VswPlugin } from "../../plugin.js";
import { STAGE_DEFAULT, VswError } from "../../plugin.js";
import { containerCredentials, instanceCredentials } from "./machine-credentials.js";

const NAME = "source-credential-source";
const TYPE = "credential-source:machine";

/** The values of `credential_source` the AWS CLI knows (botocore compares them exactly). */
const SOURCES = {
  Environment: "the AWS_ACCESS_KEY_ID of vsw's environment",
  EcsContainer: "the container credentials endpoint",
  Ec2InstanceMetadata: "the instance metadata service (IMDSv2)",
} as const;
type Source = keyof typeof SOURCES;

/** The step this plugin puts in place of the resolver's `credential_source` placeholder. */
export interface CredentialSourceStep extends PluginStep {
  type: typeof TYPE;
  source: Source;
  /** The profile's `ec2_metadata_service_endpoint` and `…_mode` (the variables beat them). */
  imdsEndpoint: string | null;
  imdsEndpointMode: string | null;
}

/**
 * `credential_source = Environment | EcsContainer | Ec2InstanceMetadata` with `role_arn`: the
 * machine's own credentials, from which the core's AssumeRole step (the next one) assumes the
 * profile's role. Instance and container credentials are cached until they expire like a session;
 * the environment's keys are never copied into the keystore.
 */
export function credentialSource(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.plan.tap({ name: NAME, stage: STAGE_DEFAULT }, (plan) => {
        const [first] = plan.steps;
        if (first.type !== "external" || first.kind !== "credential_source") return plan;
        const value = first.settings.credential_source ?? "";
        if (!Object.hasOwn(SOURCES, value)) {
          throw new VswError(
            "VSW_CONFIG_INVALID",
            `Profile "${first.profile}" sets credential_source "${value}" (${first.origins.credential_source ?? ""}), which is none of Environment, EcsContainer or Ec2InstanceMetadata.`,
            { hint: "Use one of those three values, spelt exactly so (the AWS CLI refuses others too)." },
          );
        }
        const source = value as Source;
        const step: CredentialSourceStep = {
          type: TYPE,
          profile: first.profile,
          label: `credential_source ${source}: ${SOURCES[source]}`,
          source,
          imdsEndpoint: first.settings.ec2_metadata_service_endpoint ?? null,
          imdsEndpointMode: first.settings.ec2_metadata_service_endpoint_mode ?? null,
        };
        return { ...plan, steps: [step, ...plan.steps.slice(1)] } as Plan;
      });
      vsw.hooks.sourceCredentials.tapPromise({ name: NAME, stage: STAGE_DEFAULT }, async ({ step }) => {
        if (step.type !== TYPE) return undefined;
        const machine = step as CredentialSourceStep;
        if (machine.source === "Environment") return fromEnvironment(vsw.env, machine.profile);
        if (machine.source === "EcsContainer") return containerCredentials(vsw.env, machine.profile);
        return instanceCredentials(vsw.env, machine);
      });
    },
  };
}

/**
 * The keys of the environment vsw runs in. Why the refusal inside a switched shell (`VSW_PROFILE`
 * set): there these variables hold the session vsw itself exported for another profile, not the
 * machine's credentials, and assuming the role from them would silently chain from that profile.
 */
function fromEnvironment(env: Env, profile: string): Credentials {
  if (env.VSW_PROFILE) {
    throw new VswError(
      "VSW_CREDENTIAL_SOURCE_FAILED",
      `Profile "${profile}" takes its credentials from the environment (credential_source Environment), but the AWS_ACCESS_KEY_ID here is vsw's own session of profile "${env.VSW_PROFILE}".`,
      {
        hint: "Run it from a shell vsw has not switched (a new one, or after `vsw off`, with the machine's keys set again).",
      },
    );
  }
  const missing = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"].filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new VswError(
      "VSW_CREDENTIAL_SOURCE_FAILED",
      `Profile "${profile}" takes its credentials from the environment (credential_source Environment), but ${missing.join(" and ")} ${missing.length === 1 ? "is" : "are"} not set.`,
      { hint: "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary keys)." },
    );
  }
  const token = env.AWS_SESSION_TOKEN || env.AWS_SECURITY_TOKEN;
  // No expiration on purpose: then the cache does not copy the environment's keys into the keystore.
  return {
    accessKeyId: env.AWS_ACCESS_KEY_ID as string,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY as string,
    ...(token ? { sessionToken: token } : {}),
  };
}
