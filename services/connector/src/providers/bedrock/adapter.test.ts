import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GatewayError } from "@switchyard/errors";
import { type FakeUpstream, startFakeBedrock, testCall } from "@switchyard/fake-upstreams";
import { createBedrockAdapter } from "./index.js";

const keys = { accessKeyId: "AKIDADAPTERTEST", secretAccessKey: "adapter-secret" };

describe("bedrock adapter", () => {
  let fake: FakeUpstream;
  const configOf = (extra: Record<string, string> = {}) => ({
    kind: "bedrock" as const,
    name: "bedrock-east",
    region: "us-east-1",
    access_key_id: keys.accessKeyId,
    secret_access_key: keys.secretAccessKey,
    api_base: fake.url,
    enabled: true,
    ...extra,
  });

  before(async () => {
    fake = await startFakeBedrock(keys);
  });
  after(() => fake.close());

  it("embeds with Titan, one signed InvokeModel call per input, the model id escaped in the path", async () => {
    const adapter = createBedrockAdapter(configOf());
    try {
      const before = fake.requests.length;
      const answer = await adapter.embeddings!({ input: ["one two", "three"], dimensions: 256 }, testCall("amazon.titan-embed-text-v2:0"));
      assert.deepEqual(
        answer.data.map((item) => [item.index, (item.embedding as number[]).length]),
        [
          [0, 256],
          [1, 256],
        ],
      );
      assert.deepEqual(answer.usage, { prompt_tokens: 3, total_tokens: 3 });
      const sent = fake.requests.slice(before);
      // Sent concurrently: in any order.
      assert.deepEqual(
        sent.map((request) => [request.path, request.body]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
        [
          ["/model/amazon.titan-embed-text-v2%3A0/invoke", { inputText: "one two", dimensions: 256 }],
          ["/model/amazon.titan-embed-text-v2%3A0/invoke", { inputText: "three", dimensions: 256 }],
        ],
      );
    } finally {
      await adapter.close?.();
    }
  });

  it("embeds with Cohere in one call, its token count read from the response header", async () => {
    const adapter = createBedrockAdapter(configOf());
    try {
      const answer = await adapter.embeddings!({ input: ["one two", "three"] }, testCall("cohere.embed-english-v3"));
      assert.equal(answer.data.length, 2);
      assert.deepEqual(answer.usage, { prompt_tokens: 3, total_tokens: 3 });
      assert.deepEqual(fake.requests.at(-1)!.body, { texts: ["one two", "three"], input_type: "search_document" });
    } finally {
      await adapter.close?.();
    }
  });

  it("refuses an image link with a 400 before calling Bedrock", async () => {
    const adapter = createBedrockAdapter(configOf());
    try {
      const before = fake.requests.length;
      const request = { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://example.com/a.png" } }] }] };
      await assert.rejects(
        adapter.chat(request, testCall("echo")),
        (error: unknown) => error instanceof GatewayError && error.code === "invalid_request",
      );
      assert.equal(fake.requests.length, before);
    } finally {
      await adapter.close?.();
    }
  });

  it("reports a signature Bedrock rejects as the gateway's auth failure, not Bedrock's words", async () => {
    const adapter = createBedrockAdapter(configOf({ secret_access_key: "not-the-secret" }));
    try {
      await assert.rejects(adapter.chat({ messages: [{ role: "user", content: "hi" }] }, testCall("echo")), (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, "upstream_auth_failed");
        assert.match(error.message, /bedrock-east rejected the gateway's credentials/);
        assert.doesNotMatch(error.message, /signature/i);
        return true;
      });
    } finally {
      await adapter.close?.();
    }
  });

  it("signs with the AWS default chain (here: the environment) when the config has no keys", async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = keys.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = keys.secretAccessKey;
    const { access_key_id: _id, secret_access_key: _secret, ...withoutKeys } = configOf();
    const adapter = createBedrockAdapter(withoutKeys);
    try {
      const answer = await adapter.chat({ messages: [{ role: "user", content: "from the chain" }] }, testCall("echo"));
      assert.equal((answer.choices[0]!.message as { content: string }).content, "from the chain");
    } finally {
      await adapter.close?.();
      for (const [name, value] of [
        ["AWS_ACCESS_KEY_ID", saved.id],
        ["AWS_SECRET_ACCESS_KEY", saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});
