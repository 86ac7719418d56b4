import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, parseDuration } from "../src/core/duration.js";
import { isVswError } from "../src/core/errors.js";

describe("parseDuration", () => {
  const valid: Array<[string, number]> = [
    ["900s", 900],
    ["15m", 900],
    ["1h", 3600],
    ["12h", 43200],
    ["1h30m", 5400],
    ["1h30m15s", 5415],
    ["3600", 3600],
    [" 2h ", 7200],
  ];
  for (const [text, seconds] of valid) {
    it(`reads "${text}" as ${seconds} seconds`, () => {
      assert.equal(parseDuration(text), seconds);
    });
  }

  for (const junk of ["", "h", "abc", "1x", "1.5h", "-5m", "0", "0s", "1m1h", "1h 30m", "1d", "1H"]) {
    it(`rejects "${junk}" as a usage error`, () => {
      assert.throws(
        () => parseDuration(junk),
        (error: unknown) => isVswError(error, "VSW_USAGE"),
      );
    });
  }

  it("rejects a number of seconds too large to be exact", () => {
    assert.throws(
      () => parseDuration("99999999999999999999"),
      (error: unknown) => isVswError(error, "VSW_USAGE"),
    );
  });
});

describe("formatDuration", () => {
  it("writes whole hours, minutes and seconds the way parseDuration reads them", () => {
    assert.deepEqual([3600, 5400, 28800, 900, 5415, 0].map(formatDuration), [
      "1h",
      "1h30m",
      "8h",
      "15m",
      "1h30m15s",
      "0s",
    ]);
  });

  it("round-trips through parseDuration", () => {
    for (const seconds of [900, 3599, 43200, 129600])
      assert.equal(parseDuration(formatDuration(seconds)), seconds);
  });
});
