import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import OpenAI, { AzureOpenAI } from "openai";
import { startFakeAzure } from "./azure.js";
import type { FakeOpenAI } from "./openai.js";

/** The Azure fake checked against the openai package's Azure client (deployment URLs) and its plain client (the v1 API). */
describe("fake Azure OpenAI resource, read by the openai clients", () => {
  let fake: FakeOpenAI;
  const messages = [{ role: "user" as const, content: "hello azure" }];

  before(async () => {
    fake = await startFakeAzure({ apiKey: "azure-key" });
  });
  after(() => fake.close());

  it("serves a deployment URL with api-version and the api-key header", async () => {
    const client = new AzureOpenAI({
      endpoint: fake.url,
      apiKey: "azure-key",
      apiVersion: "2024-10-21",
      deployment: "echo",
      maxRetries: 0,
    });
    const answer = await client.chat.completions.create({ model: "ignored", messages });
    assert.equal(answer.choices[0]!.message.content, "hello azure");
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, "/openai/deployments/echo/chat/completions?api-version=2024-10-21");
    assert.equal(sent.headers["api-key"], "azure-key");
  });

  it("serves the v1 API with the deployment in the body", async () => {
    const client = new OpenAI({ baseURL: `${fake.url}/openai/v1`, apiKey: "azure-key", maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: "echo", messages });
    assert.equal(answer.choices[0]!.message.content, "hello azure");
    assert.equal(fake.requests.at(-1)!.path, "/openai/v1/chat/completions");
  });

  it("refuses a wrong key, a missing api-version and the content filter as Azure does", async () => {
    const wrong = new AzureOpenAI({ endpoint: fake.url, apiKey: "nope", apiVersion: "2024-10-21", deployment: "echo", maxRetries: 0 });
    assert.ok(
      (await wrong.chat.completions.create({ model: "x", messages }).catch((e: unknown) => e)) instanceof OpenAI.AuthenticationError,
    );
    const response = await fetch(`${fake.url}/openai/deployments/echo/chat/completions`, {
      method: "POST",
      headers: { "api-key": "azure-key", "content-type": "application/json" },
      body: JSON.stringify({ messages }),
    });
    assert.equal(response.status, 404);
    const client = new AzureOpenAI({
      endpoint: fake.url,
      apiKey: "azure-key",
      apiVersion: "2024-10-21",
      deployment: "blocked",
      maxRetries: 0,
    });
    const blocked = await client.chat.completions.create({ model: "x", messages }).catch((e: unknown) => e);
    assert.ok(blocked instanceof OpenAI.BadRequestError);
    assert.equal(blocked.code, "content_filter");
  });
});
