import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import {
  type FakeUpstream,
  LEAK_MARKER,
  startFakeAnthropic,
  startFakeAzure,
  startFakeBedrock,
  startFakeGemini,
} from "@switchyard/fake-upstreams";
import OpenAI from "openai";
import { ADMIN_KEY, startTestMesh, type TestMesh } from "./harness.js";

// Each native provider behind the real mesh, reached through its fake upstream (which speaks the
// provider's wire format and checks auth, paths and bodies as the real API does).
const fakes: Record<string, FakeUpstream> = {};
let t: TestMesh;
let openai: OpenAI;
let anthropic: Anthropic;

/** Public model name per provider; each has `<name>` (echo) and `<name>-tool` (calls the first tool). */
const PROVIDERS = ["anthropic", "gemini", "bedrock", "azure"] as const;

before(async () => {
  fakes.anthropic = await startFakeAnthropic({ apiKey: "ant-test-key" });
  fakes.gemini = await startFakeGemini({ apiKey: "gem-test-key" });
  fakes.bedrock = await startFakeBedrock();
  fakes.azure = await startFakeAzure({ apiKey: "az-test-key" });
  const models = PROVIDERS.map(
    (p) => `
  ${p}:
    deployments: [{ provider: ${p}, model: echo }]
  ${p}-tool:
    deployments: [{ provider: ${p}, model: tool }]`,
  ).join("");
  const config = join(mkdtempSync(join(tmpdir(), "switchyard-providers-test-")), "switchyard.yaml");
  writeFileSync(
    config,
    `
providers:
  anthropic: { kind: anthropic, api_key: ant-test-key, api_base: "${fakes.anthropic.url}" }
  anthropic-badkey: { kind: anthropic, api_key: not-the-key, api_base: "${fakes.anthropic.url}" }
  gemini: { kind: gemini, api_key: gem-test-key, api_base: "${fakes.gemini.url}" }
  bedrock: { kind: bedrock, region: us-east-1, access_key_id: AKIDFAKEBEDROCK, secret_access_key: fake-bedrock-secret, api_base: "${fakes.bedrock.url}" }
  azure: { kind: azure, api_key: az-test-key, api_base: "${fakes.azure.url}", api_version: "2024-10-21" }
models:${models}
  overloaded-then-gemini:
    deployments:
      - { provider: anthropic, model: status-529 }
      - { provider: gemini, model: echo }
  badkey:
    deployments: [{ provider: anthropic-badkey, model: echo }]
keys:
  - { name: admin, key: ${ADMIN_KEY}, role: admin }
`,
  );
  // One connector process serves them all: the group mechanism under real providers.
  t = await startTestMesh({ configPath: config, connectors: [{ group: "native", providers: [...PROVIDERS, "anthropic-badkey"] }] });
  openai = new OpenAI({ baseURL: t.url("/v1"), apiKey: ADMIN_KEY, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: t.url(""), apiKey: ADMIN_KEY, maxRetries: 0 });
});
after(async () => {
  await t?.stop();
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
});

const lookupTool = {
  type: "function" as const,
  function: {
    name: "lookup",
    description: "Looks a phrase up",
    parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
  },
};

for (const provider of PROVIDERS) {
  describe(`the openai SDK through ${provider}`, () => {
    it("gets a whole answer with usage", async () => {
      const text = `hello from ${provider} whole`;
      const { data, response } = await openai.chat.completions
        .create({
          model: provider,
          messages: [
            { role: "system", content: "be brief" },
            { role: "user", content: text },
          ],
          max_tokens: 64,
        })
        .withResponse();
      assert.equal(data.choices[0]!.message.content, text);
      assert.equal(data.choices[0]!.finish_reason, "stop");
      assert.ok(data.usage!.prompt_tokens > 0 && data.usage!.completion_tokens > 0);
      assert.equal(response.headers.get("x-switchyard-deployment"), `${provider}/echo`);
    });

    it("streams the answer, ending with the finish reason and usage", async () => {
      const text = `hello from ${provider} streamed in words`;
      const stream = await openai.chat.completions.create({
        model: provider,
        messages: [{ role: "user", content: text }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let content = "";
      const finishes: string[] = [];
      let usage: OpenAI.CompletionUsage | undefined | null;
      for await (const chunk of stream) {
        content += chunk.choices[0]?.delta.content ?? "";
        if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
        if (chunk.usage) usage = chunk.usage;
      }
      assert.equal(content, text);
      assert.deepEqual(finishes, ["stop"]);
      assert.ok(usage && usage.completion_tokens > 0);
    });

    it("calls a tool, whole and streamed", async () => {
      const text = `weather in ${provider} town`;
      const whole = await openai.chat.completions.create({
        model: `${provider}-tool`,
        messages: [{ role: "user", content: text }],
        tools: [lookupTool],
      });
      const call = whole.choices[0]!.message.tool_calls![0]!;
      assert.equal(whole.choices[0]!.finish_reason, "tool_calls");
      assert.equal(call.type === "function" && call.function.name, "lookup");
      assert.deepEqual(call.type === "function" && JSON.parse(call.function.arguments), { q: text });

      const stream = await openai.chat.completions.create({
        model: `${provider}-tool`,
        messages: [{ role: "user", content: text }],
        tools: [lookupTool],
        stream: true,
      });
      let name = "";
      let args = "";
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.tool_calls?.[0];
        name += delta?.function?.name ?? "";
        args += delta?.function?.arguments ?? "";
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }
      assert.equal(name, "lookup");
      assert.deepEqual(JSON.parse(args), { q: text });
      assert.equal(finish, "tool_calls");
    });
  });
}

describe("native providers in the mesh", () => {
  it("fails over from an overloaded Anthropic (529) to Gemini before the client sees a byte", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: "overloaded-then-gemini", messages: [{ role: "user", content: "fail over please" }] })
      .withResponse();
    assert.equal(data.choices[0]!.message.content, "fail over please");
    assert.equal(response.headers.get("x-switchyard-attempts"), "anthropic/status-529:529,gemini/echo:200");
  });

  for (const provider of ["gemini", "bedrock"]) {
    it(`serves the Anthropic-shaped /v1/messages from ${provider}, whole and streamed`, async () => {
      const message = await anthropic.messages.create({
        model: provider,
        max_tokens: 100,
        messages: [{ role: "user", content: `messages via ${provider}` }],
      });
      assert.equal(message.content[0]?.type === "text" && message.content[0].text, `messages via ${provider}`);
      assert.equal(message.stop_reason, "end_turn");
      const stream = anthropic.messages.stream({
        model: provider,
        max_tokens: 100,
        messages: [{ role: "user", content: `streamed via ${provider}` }],
      });
      assert.equal(await stream.finalText(), `streamed via ${provider}`);
    });
  }

  it("says a provider rejected the gateway's credentials in its own words, never the provider's", async () => {
    const response = await fetch(t.url("/v1/chat/completions"), {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "badkey", messages: [{ role: "user", content: "hi" }] }),
    });
    const body = await response.text();
    assert.equal(response.status, 502);
    assert.match(body, /anthropic-badkey/);
    assert.doesNotMatch(body, new RegExp(LEAK_MARKER));
    assert.doesNotMatch(body, /not-the-key/);
  });
});
