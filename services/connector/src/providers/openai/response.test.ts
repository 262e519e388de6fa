import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { readFixture as readAnyFixture, readJsonFixture as readAnyJsonFixture } from "@switchyard/fake-upstreams";

const readFixture = (name: string) => readAnyFixture("openai", name);
const readJsonFixture = <T = unknown>(name: string) => readAnyJsonFixture<T>("openai", name);

import { describeErrorBody, errorFromResponse, parseChatCompletion, parseEmbeddings, parseStreamEvent } from "./response.js";

const isGatewayError = (code: string, message?: RegExp) => (error: unknown) =>
  error instanceof GatewayError && error.code === code && (!message || message.test(error.message));

describe("openai response translation", () => {
  it("returns a completion as the upstream sent it", () => {
    const completion = parseChatCompletion(readFixture("chat-completion.json"), "openai");
    assert.deepEqual(completion, readJsonFixture("chat-completion.json"));
    assert.equal(completion.usage?.total_tokens, 29);
  });

  it("returns an embeddings list", () => {
    assert.deepEqual(parseEmbeddings(readFixture("embeddings-response.json"), "openai"), readJsonFixture("embeddings-response.json"));
  });

  it("calls a body that is not a completion an upstream error", () => {
    assert.throws(() => parseChatCompletion("<html>bad gateway</html>", "openai"), isGatewayError("upstream_error", /not JSON/));
    assert.throws(() => parseChatCompletion('{"id":"x"}', "openai"), isGatewayError("upstream_error", /no choices/));
    assert.throws(() => parseChatCompletion("[]", "openai"), isGatewayError("upstream_error", /not a JSON object/));
  });

  it("maps a 429 with its retry-after, in the gateway's words", () => {
    const error = errorFromResponse(
      "openai",
      429,
      { "retry-after": "20", "content-type": "application/json" },
      readFixture("error-rate-limit.json"),
    );
    assert.equal(error.code, "upstream_rate_limited");
    assert.equal(error.retryAfterS, 20);
    assert.equal(error.upstreamStatus, 429);
    assert.equal(error.message, "openai is rate limiting the gateway (status 429)");
  });

  it("maps a 400 to a rejection naming the param", () => {
    const error = errorFromResponse("openai", 400, {}, readFixture("error-invalid-request.json"));
    assert.equal(error.code, "upstream_rejected");
    assert.equal(error.param, "temperature");
    assert.equal(error.message, "Invalid value for 'temperature': expected a number between 0 and 2.");
  });

  it("reads error bodies that are not OpenAI's shape", () => {
    assert.deepEqual(describeErrorBody('{"error":"model overloaded"}'), { message: "model overloaded" });
    assert.deepEqual(describeErrorBody('{"message":"no such model","param":"model"}'), { message: "no such model", param: "model" });
    assert.deepEqual(describeErrorBody("<html>\n  502 Bad Gateway\n</html>"), { message: "<html> 502 Bad Gateway </html>" });
    assert.equal(describeErrorBody("x".repeat(2000)).message.length, 501);
  });

  it("parses stream events, [DONE], and errors sent mid-stream", () => {
    assert.equal(parseStreamEvent("[DONE]", "openai"), "done");
    const chunk = parseStreamEvent('{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}', "openai");
    assert.notEqual(chunk, "done");
    assert.throws(
      () =>
        parseStreamEvent('{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}', "openai"),
      isGatewayError("upstream_error", /^openai reported an error mid-stream$/),
    );
    assert.throws(
      () => parseStreamEvent('{"error":{"message":"slow down","status":429}}', "openai"),
      isGatewayError("upstream_rate_limited"),
    );
    assert.throws(() => parseStreamEvent("{not json", "openai"), isGatewayError("upstream_error", /not JSON/));
  });
});
