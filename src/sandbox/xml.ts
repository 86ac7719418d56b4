/**
 * STS response bodies. STS speaks the AWS Query protocol: every answer is XML in the
 * `https://sts.amazonaws.com/doc/2011-06-15/` namespace, a `<ActionResponse>` with an
 * `<ActionResult>` and `<ResponseMetadata>`, or an `<ErrorResponse>`.
 */
import type { StsError } from "./errors.js";

/** The XML namespace of STS API version 2011-06-15. */
export const STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/";

/** A child element: its value is text, nested elements, or absent (then the element is left out). */
export type XmlNode = string | number | XmlElement[] | undefined;
/** One element as a name/value pair, so element order stays as written (STS clients don't care, people do). */
export type XmlElement = readonly [name: string, value: XmlNode];

const ENTITIES: Readonly<Record<string, string>> = { "&": "&amp;", "<": "&lt;", ">": "&gt;" };

/**
 * Escapes text for an XML element body. Only `& < >` need it there; quotes stay literal, as in
 * STS's own messages ("Value 'x' at 'roleSessionName' …"), and clients' XML parsers agree on
 * these three named entities where some ignore numeric ones.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>]/g, (char) => ENTITIES[char] ?? char);
}

/** Renders elements; `undefined` values are skipped, as STS omits optional members it has no value for. */
export function renderXml(elements: readonly XmlElement[]): string {
  let out = "";
  for (const [name, value] of elements) {
    if (value === undefined) continue;
    const body = Array.isArray(value) ? renderXml(value) : escapeXml(String(value));
    out += `<${name}>${body}</${name}>`;
  }
  return out;
}

/** The success envelope: `<{action}Response><{action}Result>…</…Result><ResponseMetadata>…`. */
export function successXml(action: string, result: readonly XmlElement[], requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_NAMESPACE}">` +
    `<${action}Result>${renderXml(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${escapeXml(requestId)}</RequestId></ResponseMetadata>` +
    `</${action}Response>`
  );
}

/** The error envelope; note `RequestId` sits beside `Error`, not in a `ResponseMetadata`. */
export function errorXml(error: StsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${STS_NAMESPACE}">` +
    renderXml([
      [
        "Error",
        [
          ["Type", error.type],
          ["Code", error.code],
          ["Message", error.message],
        ],
      ],
      ["RequestId", requestId],
    ]) +
    "</ErrorResponse>"
  );
}

/** Formats a time as STS does in `Expiration`: ISO 8601 UTC without milliseconds. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}
