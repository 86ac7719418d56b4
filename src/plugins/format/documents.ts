import type { VswPlugin } from "../../plugin.js";
import { VswError } from "../../plugin.js";
import { assertRepresentable, isInvisible } from "./shell-quote.js";
import { exportedVariables, isoSeconds } from "./variables.js";

const NAME = "format-documents";

/**
 * The file formats: `json` (the credential_process Version 1 document, so `credential_process =
 * vsw export p --format json` works), `ini` (a credentials-file block) and `dotenv` (`KEY=value`).
 */
export function documentFormats(): VswPlugin {
  return {
    name: NAME,
    apply(vsw) {
      vsw.hooks.format.for("json").tap(NAME, ({ credentials: c }) => {
        const doc: Record<string, string | number> = {
          Version: 1,
          AccessKeyId: c.accessKeyId,
          SecretAccessKey: c.secretAccessKey,
        };
        if (c.sessionToken) doc.SessionToken = c.sessionToken;
        if (c.expiration !== undefined) doc.Expiration = isoSeconds(c.expiration);
        return `${JSON.stringify(doc)}\n`;
      });
      vsw.hooks.format.for("ini").tap(NAME, ({ credentials: c, profile, region }) => {
        // INI has no escapes: every value is checked, and one that would read back differently is refused.
        const lines = [
          `[${iniSection(profile)}]`,
          `aws_access_key_id = ${iniValue("aws_access_key_id", c.accessKeyId)}`,
          `aws_secret_access_key = ${iniValue("aws_secret_access_key", c.secretAccessKey)}`,
        ];
        if (c.sessionToken)
          lines.push(`aws_session_token = ${iniValue("aws_session_token", c.sessionToken)}`);
        if (c.expiration !== undefined) lines.push(`# expires ${isoSeconds(c.expiration)}`);
        if (region) lines.push(`region = ${iniValue("region", region)}`);
        return `${lines.join("\n")}\n`;
      });
      vsw.hooks.format.for("dotenv").tap(NAME, (request) => {
        const lines = exportedVariables(request).map(
          ([name, value]) => `${name}=${dotenvValue(name, value)}`,
        );
        return `${lines.join("\n")}\n`;
      });
    },
  };
}

/**
 * Plain when safe, else single-quoted. Refused: a single quote, a backslash (python-dotenv reads
 * `\'` and `\\` as escapes even inside single quotes) and any control, bidi or line-separator
 * character (a newline would start a new variable; the others hide text from a reader).
 */
function dotenvValue(name: string, value: string): string {
  assertRepresentable(`value of ${name}`, value);
  if (/^[\w./+=:@,-]*$/.test(value)) return value;
  if (!/['\\]/.test(value) && !hasInvisible(value)) return `'${value}'`;
  // Only AWS_VAULT and VSW_PROFILE carry the profile name; every other value came from STS or a
  // credential_process, so the hint names where the value came from.
  const source =
    name === "AWS_VAULT" || name === "VSW_PROFILE"
      ? undefined
      : "It came from STS, a credential_process or your region setting";
  throw unrepresentable(`value of ${name}`, "dotenv", source);
}

/**
 * A value of a credentials-file line. INI has no escapes, and its readers disagree on the edges:
 * configparser (AWS CLI) strips whitespace, the JS SDK cuts `#`/`;` after whitespace, go-ini
 * (aws-vault, the Go SDK v1) cuts at any `#`/`;`, strips surrounding quotes and continues a line
 * ending in a backslash. So a value is written only if every reader gets it back exactly: printable
 * ASCII without whitespace, `#`, `;`, quotes or backslash (keys, secrets, tokens and regions are
 * all of that form); anything else is refused, never mangled.
 */
function iniValue(key: string, value: string): string {
  if (!/^[\x21-\x7e]+$/.test(value) || /[#;"'`\\]/.test(value)) {
    throw unrepresentable(`value of ${key}`, "ini", "It came from STS or a credential_process");
  }
  return value;
}

/** A section name: not empty, no bracket, comment character or invisible character, no whitespace at either end. */
function iniSection(profile: string): string {
  assertRepresentable("profile name", profile);
  if (profile === "" || hasInvisible(profile) || /[[\]#;]|^\s|\s$/.test(profile)) {
    throw unrepresentable(`profile name "${profile}"`, "ini");
  }
  return profile;
}

function hasInvisible(text: string): boolean {
  for (const c of text) if (isInvisible(c.codePointAt(0) ?? 0)) return true;
  return false;
}

function unrepresentable(what: string, format: string, source?: string): VswError {
  return new VswError("VSW_VALUE_UNREPRESENTABLE", `The ${what} cannot be written in the ${format} format.`, {
    hint: source
      ? `${source}; use --format json, which escapes every value.`
      : "Use --format json, or rename the profile.",
  });
}
