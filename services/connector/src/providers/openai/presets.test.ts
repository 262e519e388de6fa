import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { OPENAI_PRESETS } from "@switchyard/config";
import { collect, type FakeOpenAI, startFakeOpenAI, testCall } from "@switchyard/fake-upstreams";
import { createOpenAIAdapter, openAIEndpoint } from "./index.js";
import { OPENAI_PRESET_SPECS } from "./presets.js";

describe("openai presets", () => {
  let fake: FakeOpenAI;
  before(async () => {
    fake = await startFakeOpenAI({ apiKey: "preset-key" });
  });
  after(() => fake.close());

  it("give every preset a base URL, which api_base overrides", () => {
    for (const preset of OPENAI_PRESETS) {
      assert.match(OPENAI_PRESET_SPECS[preset].baseUrl, /^https?:\/\/[^/]+/, preset);
      assert.equal(openAIEndpoint({ kind: "openai", name: preset, enabled: true, preset }).baseUrl, OPENAI_PRESET_SPECS[preset].baseUrl);
    }
    assert.equal(openAIEndpoint({ kind: "openai", name: "groq", enabled: true, preset: "groq" }).baseUrl, "https://api.groq.com/openai/v1");
    assert.equal(
      openAIEndpoint({ kind: "openai", name: "g", enabled: true, preset: "groq", api_base: "http://proxy:8080/v1" }).baseUrl,
      "http://proxy:8080/v1",
    );
    assert.deepEqual(openAIEndpoint({ kind: "openai", name: "o", enabled: true, preset: "ollama", api_key: "k" }).headers, {
      authorization: "Bearer k",
    });
  });

  it("drop the fields a service refuses and rename the ones it calls otherwise", async () => {
    const groq = createOpenAIAdapter({
      kind: "openai",
      name: "groq",
      enabled: true,
      preset: "groq",
      api_key: "preset-key",
      api_base: `${fake.url}/v1`,
    });
    const messages = [{ role: "user", content: "hi there" }];
    await groq.chat(
      { model: "m", messages, logprobs: true, top_logprobs: 2, max_completion_tokens: 50, temperature: 0.5 },
      testCall("echo"),
    );
    const sent = fake.requests.at(-1)!.body;
    assert.deepEqual(sent, { model: "echo", messages, temperature: 0.5, stream: false, max_tokens: 50 });
    await groq.close?.();

    const mistral = createOpenAIAdapter({
      kind: "openai",
      name: "mistral",
      enabled: true,
      preset: "mistral",
      api_key: "preset-key",
      api_base: `${fake.url}/v1`,
    });
    await collect(
      mistral.chatStream(
        { model: "m", messages, stream: true, seed: 7, max_tokens: 9, max_completion_tokens: 20, user: "u-1" },
        testCall("echo"),
      ),
    );
    const streamed = fake.requests.at(-1)!.body;
    assert.deepEqual(streamed, { model: "echo", messages, stream: true, max_tokens: 9, random_seed: 7 });
    await mistral.close?.();
  });

  it("leave the body as it came when the preset changes nothing", async () => {
    const xai = createOpenAIAdapter({
      kind: "openai",
      name: "xai",
      enabled: true,
      preset: "xai",
      api_key: "preset-key",
      api_base: `${fake.url}/v1`,
    });
    await xai.chat({ model: "m", messages: [{ role: "user", content: "a" }], max_completion_tokens: 5 }, testCall("echo"));
    assert.equal(fake.requests.at(-1)!.body.max_completion_tokens, 5);
    await xai.close?.();
  });
});
