/**
 * vsw output formats for a GitHub Actions step, a vsw plugin that imports only `vsw/plugin`:
 *
 *   vsw export ci --format github-actions-mask            # ::add-mask:: for every secret (step stdout)
 *   vsw export ci --format github-actions >> "$GITHUB_ENV" # the session for the next steps
 *
 * `github-actions` writes each variable in the `NAME<<DELIMITER` form GitHub's own toolkit uses
 * (`core.exportVariable`), with a random delimiter per run, so no value can end its block early and
 * inject another variable. Options (`[plugin gha]` of the vsw config file):
 *   prefix = CI_   prepends a prefix to every variable name (default none).
 */
import { randomUUID } from "node:crypto";
import { definePlugin, VswError } from "vsw/plugin";

const NAME = "format-github-actions";

export default definePlugin((options = {}) => ({
  name: NAME,
  version: "1.0.0",
  apiVersion: "^1.0.0",
  apply(vsw) {
    const prefix = options.prefix ?? "";
    if (!/^[A-Za-z_]*$/.test(prefix)) {
      throw new VswError(
        "GHA_OPTION_INVALID",
        `The github-actions prefix "${prefix}" is not a variable name prefix.`,
        {
          hint: "Use letters and underscores only, e.g. prefix = CI_",
        },
      );
    }
    vsw.hooks.format.for("github-actions").tap(NAME, (request) => {
      const delimiter = `ghadelimiter_${randomUUID()}`;
      return variables(request)
        .map(([name, value]) => {
          if (value.includes(delimiter) || /[\r\n]/.test(value)) {
            throw new VswError(
              "GHA_VALUE_UNSAFE",
              `The value of ${name} cannot be written to GITHUB_ENV safely.`,
            );
          }
          return `${prefix}${name}<<${delimiter}\n${value}\n${delimiter}\n`;
        })
        .join("");
    });
    vsw.hooks.format.for("github-actions-mask").tap(NAME, ({ credentials: c }) =>
      [c.accessKeyId, c.secretAccessKey, c.sessionToken]
        .filter(Boolean)
        .map((secret) => `::add-mask::${secret}\n`)
        .join(""),
    );
  },
}));

/** The variables a step needs: the AWS SDKs' names, and the region when there is one. */
function variables({ credentials: c, region, profile }) {
  const out = [
    ["AWS_ACCESS_KEY_ID", c.accessKeyId],
    ["AWS_SECRET_ACCESS_KEY", c.secretAccessKey],
  ];
  if (c.sessionToken) out.push(["AWS_SESSION_TOKEN", c.sessionToken]);
  if (c.expiration !== undefined)
    out.push(["AWS_CREDENTIAL_EXPIRATION", new Date(c.expiration).toISOString()]);
  if (region) out.push(["AWS_REGION", region], ["AWS_DEFAULT_REGION", region]);
  out.push(["VSW_PROFILE", profile]);
  return out;
}
