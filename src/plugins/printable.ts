/**
 * Text for the terminal from names vsw did not choose (profile names from the config, user names
 * and key ids from an IAM answer): control, C1 and bidi characters are written as `\u{…}`, as the
 * CLI prints every name, so none can move the cursor or reorder the line.
 */
import { isInvisible } from "./format/shell-quote.js";

export function printableText(text: string): string {
  let out = "";
  for (const char of text) {
    const code = char.codePointAt(0) as number;
    out += isInvisible(code) ? `\\u{${code.toString(16)}}` : char;
  }
  return out;
}
