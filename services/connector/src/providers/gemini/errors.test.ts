import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { geminiErrorBody, isAuthFailure, isContextTooLong, parseGoogleError } from "./errors.js";

describe("gemini error bodies", () => {
  it("reads the status, the ErrorInfo reason and the RetryInfo delay", () => {
    const body = JSON.stringify({
      error: {
        code: 429,
        message: "You exceeded your current quota.",
        status: "RESOURCE_EXHAUSTED",
        details: [
          { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [] },
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "22s" },
        ],
      },
    });
    assert.deepEqual(parseGoogleError(body), {
      message: "You exceeded your current quota.",
      status: "RESOURCE_EXHAUSTED",
      retryDelay: "22s",
    });
    assert.deepEqual(parseGoogleError("<html>Bad   gateway</html>"), { message: "<html>Bad gateway</html>" });
    assert.deepEqual(parseGoogleError('[{"error":{"code":400,"message":"m","status":"INVALID_ARGUMENT"}}]'), {
      message: "m",
      status: "INVALID_ARGUMENT",
    });
  });

  it("counts an invalid key (400 API_KEY_INVALID) as an auth failure", () => {
    const invalidKey = parseGoogleError(
      JSON.stringify({
        error: {
          code: 400,
          message: "API key not valid. Please pass a valid API key.",
          status: "INVALID_ARGUMENT",
          details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }],
        },
      }),
    );
    assert.equal(isAuthFailure(400, invalidKey), true);
    assert.equal(isAuthFailure(403, { message: "", status: "PERMISSION_DENIED" }), true);
    assert.equal(isAuthFailure(400, { message: "bad", status: "INVALID_ARGUMENT" }), false);
  });

  it("recognizes a prompt over the model's window", () => {
    const error = {
      message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).",
      status: "INVALID_ARGUMENT",
    };
    assert.equal(isContextTooLong(400, error), true);
    assert.equal(isContextTooLong(400, { message: "Invalid JSON payload received." }), false);
  });
});

describe("gemini error bodies for the shared client", () => {
  it("gives the RetryInfo delay as retry-after seconds, and flags auth and context length", () => {
    const limited = geminiErrorBody(
      429,
      JSON.stringify({ error: { code: 429, message: "quota", status: "RESOURCE_EXHAUSTED", details: [{ retryDelay: "21.5s" }] } }),
    );
    assert.equal(limited.retryAfter, "22");
    const key = geminiErrorBody(
      400,
      JSON.stringify({
        error: { code: 400, message: "API key not valid.", status: "INVALID_ARGUMENT", details: [{ reason: "API_KEY_INVALID" }] },
      }),
    );
    assert.equal(key.authFailure, true);
    const long = geminiErrorBody(
      400,
      JSON.stringify({
        error: {
          code: 400,
          message: "The input token count (9) exceeds the maximum number of tokens allowed (8).",
          status: "INVALID_ARGUMENT",
        },
      }),
    );
    assert.equal(long.code, "context_length_exceeded");
  });
});
