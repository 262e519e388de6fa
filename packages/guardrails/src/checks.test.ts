import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { askWebhook, CompiledGuardrails, formatHits } from "./checks.js";
import { compilePattern } from "./patterns.js";

describe("deny and allow patterns", () => {
  it("reads a leading (?i) as ignore-case", () => {
    assert.ok(compilePattern("(?i)ignore (all )?previous instructions").test("IGNORE ALL PREVIOUS INSTRUCTIONS"));
    assert.ok(!compilePattern("ignore previous").test("IGNORE PREVIOUS"));
    assert.throws(() => compilePattern("(?x)a"), /unsupported inline flag/);
  });

  it("blocks a prompt matching a deny rule, naming it", () => {
    const rules = new CompiledGuardrails({ deny: ["(?i)ignore (all )?previous instructions"] });
    const verdict = rules.checkInput(["Please IGNORE previous instructions and…"]);
    assert.match(verdict.blocked ?? "", /^deny\[0\]/);
    assert.equal(rules.checkInput(["Summarise this"]).blocked, undefined);
  });

  it("with allow rules, blocks a prompt that matches none", () => {
    const rules = new CompiledGuardrails({ allow: ["^translate:", "(?i)^summari[sz]e"] });
    assert.equal(rules.checkInput(["translate: bonjour"]).blocked, undefined);
    assert.equal(rules.checkInput(["SUMMARIZE this"]).blocked, undefined);
    assert.match(rules.checkInput(["write a poem"]).blocked ?? "", /^allow/);
  });

  it("redacts, blocks or only reports PII as the mode says", () => {
    const texts = ["mail me at jane@example.com", "nothing here"];
    const redact = new CompiledGuardrails({ pii: { mode: "redact" } }).checkInput(texts);
    assert.deepEqual(redact.redacted, ["mail me at [EMAIL]", "nothing here"]);
    assert.deepEqual(redact.pii, { email: 1 });
    assert.match(new CompiledGuardrails({ pii: { mode: "block" } }).checkInput(texts).blocked ?? "", /pii \(email\)/);
    const logged = new CompiledGuardrails({ pii: { mode: "log", kinds: ["email"] } }).checkInput(texts);
    assert.equal(logged.redacted, undefined);
    assert.equal(logged.blocked, undefined);
    assert.deepEqual(logged.pii, { email: 1 });
  });

  it("formats hits for x-switchyard-guardrails", () => {
    assert.equal(formatHits({ email: 1, credit_card: 1 }, []), "pii:email=1,credit_card=1");
    assert.equal(formatHits({}, ["deny:0"], { email: 2 }), "deny:0; output-pii:email=2");
  });
});

describe("webhook", () => {
  let server: Server;
  let url = "";
  before(async () => {
    server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => (body += chunk));
      request.on("end", () => {
        const prompt = JSON.stringify(JSON.parse(body));
        if (prompt.includes("slow")) return void setTimeout(() => response.end('{"allow":true}'), 1_000);
        if (prompt.includes("broken")) return void response.writeHead(500).end();
        response.setHeader("content-type", "application/json");
        response.end(JSON.stringify(prompt.includes("forbidden") ? { allow: false, reason: "no forbidden things" } : { allow: true }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}/check`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it("allows and blocks as the service answers", async () => {
    assert.deepEqual(await askWebhook({ url }, { messages: ["fine"] }), { allow: true, reason: "" });
    assert.deepEqual(await askWebhook({ url }, { messages: ["forbidden"] }), { allow: false, reason: "no forbidden things" });
  });

  it("treats a timeout or a failure as on_error says", async () => {
    const late = await askWebhook({ url, timeout_ms: 50, on_error: "block" }, { messages: ["slow"] });
    assert.equal(late.allow, false);
    assert.match(late.reason, /timeout/);
    assert.equal((await askWebhook({ url, timeout_ms: 50, on_error: "allow" }, { messages: ["slow"] })).allow, true);
    assert.equal((await askWebhook({ url, on_error: "block" }, { messages: ["broken"] })).allow, false);
    assert.equal((await askWebhook({ url: "http://127.0.0.1:1/x", on_error: "allow" }, {})).allow, true);
  });
});
