import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { createLogger } from "./logger.js";
import { redactCredentials } from "./redact.js";

describe("redactCredentials", () => {
  it("replaces every kind of credential-like string", () => {
    const leaky =
      "key sk-proj-Abc_123 header Bearer abc.def id AKIAIOSFODNN7EXAMPLE session ASIAIOSFODNN7EXAMPLE token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig gemini AIzaSyA1234567890abcdefghijklmnop x-api-key: plainvalue123";
    assert.equal(
      redactCredentials(leaky),
      "key sk-[redacted] header Bearer [redacted] id [redacted] session [redacted] token [redacted] gemini [redacted] x-api-key: [redacted]",
    );
  });

  it("keeps serialized JSON valid, escaped quotes included", () => {
    const line = JSON.stringify({ msg: 'upstream said {"authorization":"Bearer opaque-token-1","x-api-key":"abc123"}', api_key: "k-123" });
    const redacted = redactCredentials(line);
    const parsed = JSON.parse(redacted) as { msg: string; api_key: string };
    assert.equal(parsed.msg, 'upstream said {"authorization":"Bearer [redacted]","x-api-key":"[redacted]"}');
    assert.equal(parsed.api_key, "[redacted]");
  });

  it("leaves ordinary text and the public development key alone", () => {
    for (const text of ["task-123 disk-full model gpt-4o", "the public development key sk-switchyard-dev", "OPENAI_API_KEY is unset"]) {
      assert.equal(redactCredentials(text), text);
    }
  });
});

describe("createLogger", () => {
  it("redacts credentials inside messages and error text of every line, child loggers included", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger("unit", "info", sink);
    logger.info("upstream echoed Authorization: Bearer sk-live-123456");
    logger.child({ requestId: "r1" }).warn({ err: new Error("401 for key AKIAIOSFODNN7EXAMPLE") }, "failed");
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.doesNotMatch(line, /sk-live|AKIAIOSFODNN7EXAMPLE/);
      JSON.parse(line);
    }
    assert.match(lines[0]!, /Bearer \[redacted\]/);
  });
});
