import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StsError } from "../../src/sandbox/errors.js";
import {
  canonicalRequest,
  parseQuery,
  type SignedRequestParts,
  type SigV4Claim,
  sha256Hex,
  signatureMatches,
  uriEncode,
} from "../../src/sandbox/sigv4.js";
import { checkClaim, parseSigV4 } from "../../src/sandbox/sigv4-claim.js";

// The published SigV4 examples: AWS's test suite ("get-vanilla", "get-vanilla-query-order-key-case")
// and the S3 GET Object example from the S3 "Signature Calculations" page.
const SUITE_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const suiteRequest = (query: string, signature: string): [SignedRequestParts, SigV4Claim] => {
  const parts: SignedRequestParts = {
    method: "GET",
    path: "/",
    query,
    headers: {
      host: ["example.amazonaws.com"],
      "x-amz-date": ["20150830T123600Z"],
      authorization: [
        `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=${signature}`,
      ],
    },
    payloadHash: sha256Hex(""),
  };
  return [parts, parseSigV4(parts)];
};

describe("signature computation", () => {
  test("the get-vanilla canonical request hashes to the published value", () => {
    const [parts, claim] = suiteRequest("", "0");
    assert.equal(
      sha256Hex(canonicalRequest(parts, claim)),
      "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
    );
  });

  test("the get-vanilla signature verifies with the example secret", () => {
    const [parts, claim] = suiteRequest(
      "",
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
    assert.equal(signatureMatches(parts, claim, SUITE_SECRET), true);
  });

  test("query parameters are sorted before signing (get-vanilla-query-order-key-case)", () => {
    const [parts, claim] = suiteRequest(
      "Param2=value2&Param1=value1",
      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
    );
    assert.equal(signatureMatches(parts, claim, SUITE_SECRET), true);
  });

  test("a signature made with another secret does not verify", () => {
    const [parts, claim] = suiteRequest(
      "",
      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    );
    assert.equal(signatureMatches(parts, claim, `${SUITE_SECRET}x`), false);
  });

  test("header values are trimmed in the canonical request (S3 GET Object example)", () => {
    const parts: SignedRequestParts = {
      method: "GET",
      path: "/test.txt",
      query: "",
      headers: {
        host: ["examplebucket.s3.amazonaws.com"],
        range: ["bytes=0-9 "],
        "x-amz-content-sha256": [sha256Hex("")],
        "x-amz-date": ["20130524T000000Z"],
        authorization: [
          "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
        ],
      },
      payloadHash: sha256Hex(""),
    };
    assert.equal(
      signatureMatches(parts, parseSigV4(parts), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
      true,
    );
  });

  test("URI encoding leaves only unreserved characters and uses upper-case hex", () => {
    assert.equal(uriEncode("a b+c/d~e_f.g-h*!'()é"), "a%20b%2Bc%2Fd~e_f.g-h%2A%21%27%28%29%C3%A9");
  });

  test("query parsing decodes percent-escapes but keeps '+' literal", () => {
    assert.deepEqual(parseQuery("a=1%2B2&b=x+y&c&=&d=%zz"), [
      ["a", "1+2"],
      ["b", "x+y"],
      ["c", ""],
      ["", ""],
      ["d", "%zz"],
    ]);
  });
});

describe("claim parsing and checks", () => {
  const headerParts = (
    authorization: string | undefined,
    amzDate = "20261128T120000Z",
  ): SignedRequestParts => ({
    method: "POST",
    path: "/",
    query: "",
    headers: {
      host: ["127.0.0.1:1"],
      "x-amz-date": [amzDate],
      ...(authorization === undefined ? {} : { authorization: [authorization] }),
    },
    payloadHash: sha256Hex(""),
  });
  const auth = (credential: string, signedHeaders = "host;x-amz-date") =>
    `AWS4-HMAC-SHA256 Credential=${credential}, SignedHeaders=${signedHeaders}, Signature=abc`;
  const noon = Date.UTC(2026, 10, 28, 12, 0, 0);
  const failure = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      assert.ok(error instanceof StsError);
      return { code: error.code, status: error.status, message: error.message };
    }
    assert.fail("expected an StsError");
  };

  test("a request with no signature at all is missing its authentication token", () => {
    assert.deepEqual(
      failure(() => parseSigV4(headerParts(undefined))),
      {
        code: "MissingAuthenticationToken",
        status: 403,
        message: "Request is missing Authentication Token",
      },
    );
  });

  test("an Authorization header without Signature and SignedHeaders is an incomplete signature", () => {
    const result = failure(() =>
      parseSigV4(headerParts("AWS4-HMAC-SHA256 Credential=AKIA/20261128/us-east-1/sts/aws4_request")),
    );
    assert.equal(result.code, "IncompleteSignature");
    assert.equal(result.status, 400);
    assert.match(
      result.message,
      /requires 'Signature' parameter\. Authorization header requires 'SignedHeaders'/,
    );
  });

  test("another algorithm is refused as an incomplete signature", () => {
    assert.equal(failure(() => parseSigV4(headerParts("AWS AKIA:sig"))).code, "IncompleteSignature");
  });

  test("a credential without five parts is refused", () => {
    assert.match(
      failure(() => parseSigV4(headerParts(auth("AKIA/20261128/sts")))).message,
      /exactly 5 slash-delimited/,
    );
  });

  test("a credential scoped to another service does not match", () => {
    const claim = parseSigV4(headerParts(auth("AKIA/20261128/us-east-1/iam/aws4_request")));
    assert.deepEqual(
      failure(() => checkClaim(claim, noon)),
      {
        code: "SignatureDoesNotMatch",
        status: 403,
        message: "Credential should be scoped to correct service: 'sts'. ",
      },
    );
  });

  test("any region is accepted and reported", () => {
    const claim = parseSigV4(headerParts(auth("AKIA/20261128/ap-southeast-7/sts/aws4_request")));
    checkClaim(claim, noon);
    assert.equal(claim.region, "ap-southeast-7");
  });

  test("a scope date other than the X-Amz-Date day does not match", () => {
    const claim = parseSigV4(headerParts(auth("AKIA/20261127/us-east-1/sts/aws4_request")));
    assert.match(failure(() => checkClaim(claim, noon)).message, /^Date in Credential scope does not match/);
  });

  test("a signature that leaves out host does not match", () => {
    const claim = parseSigV4(headerParts(auth("AKIA/20261128/us-east-1/sts/aws4_request", "x-amz-date")));
    assert.match(
      failure(() => checkClaim(claim, noon)).message,
      /'Host' or ':authority' must be a 'SignedHeader'/,
    );
  });

  test("a request signed 15 minutes ago is accepted, one signed 16 minutes ago has expired", () => {
    const claim = parseSigV4(headerParts(auth("AKIA/20261128/us-east-1/sts/aws4_request")));
    checkClaim(claim, noon + 15 * 60_000);
    assert.deepEqual(
      failure(() => checkClaim(claim, noon + 16 * 60_000)),
      {
        code: "SignatureDoesNotMatch",
        status: 403,
        message:
          "Signature expired: 20261128T120000Z is now earlier than 20261128T120100Z (20261128T121600Z - 15 min.)",
      },
    );
  });

  test("a request signed 16 minutes in the future is not yet current", () => {
    const claim = parseSigV4(headerParts(auth("AKIA/20261128/us-east-1/sts/aws4_request")));
    assert.match(
      failure(() => checkClaim(claim, noon - 16 * 60_000)).message,
      /^Signature not yet current: /,
    );
  });

  test("the HTTP Date header stands in for a missing X-Amz-Date", () => {
    const parts = headerParts(auth("AKIA/20261128/us-east-1/sts/aws4_request"));
    const headers = { ...parts.headers, "x-amz-date": undefined, date: ["Sat, 28 Nov 2026 12:00:00 GMT"] };
    assert.equal(parseSigV4({ ...parts, headers }).amzDate, "20261128T120000Z");
  });

  test("a presigned URL missing X-Amz-Date is an incomplete signature", () => {
    const parts = {
      ...headerParts(undefined),
      query:
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261128%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-SignedHeaders=host&X-Amz-Signature=abc",
    };
    assert.equal(failure(() => parseSigV4(parts)).code, "IncompleteSignature");
  });
});
