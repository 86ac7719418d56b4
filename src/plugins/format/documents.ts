import { VswError } from "../../core/errors.js";
import type { VswPlugin } from "../../core/vsw.js";
import { assertRepresentable } from "./shell-quote.js";
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
        // A section name cannot hold brackets or line breaks; refuse rather than write a broken file.
        if (/[[\]\r\n]/.test(profile)) throw unrepresentable(`profile name "${profile}"`, "ini");
        const lines = [
          `[${profile}]`,
          `aws_access_key_id = ${c.accessKeyId}`,
          `aws_secret_access_key = ${c.secretAccessKey}`,
        ];
        if (c.sessionToken) lines.push(`aws_session_token = ${c.sessionToken}`);
        if (c.expiration !== undefined) lines.push(`# expires ${isoSeconds(c.expiration)}`);
        if (region) lines.push(`region = ${region}`);
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

/** Plain when safe, single-quoted when that suffices; values with both a quote and a newline are refused. */
function dotenvValue(name: string, value: string): string {
  assertRepresentable(`value of ${name}`, value);
  if (/^[\w./+=:@,-]*$/.test(value)) return value;
  if (!/['\r\n]/.test(value)) return `'${value}'`;
  throw unrepresentable(`value of ${name}`, "dotenv");
}

function unrepresentable(what: string, format: string): VswError {
  return new VswError("VSW_VALUE_UNREPRESENTABLE", `The ${what} cannot be written in the ${format} format.`, {
    hint: "Use --format json, or rename the profile.",
  });
}
