import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { defaultConnectorGroups, MESH_SERVICES, parseReplicaCounts, REPO_ROOT } from "./launcher.js";

it("names every service under services/, and nothing else", () => {
  const folders = readdirSync(join(REPO_ROOT, "services"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  assert.deepEqual([...MESH_SERVICES].sort(), folders.sort());
});

describe("connector groups", () => {
  const providers = [
    { name: "mock", kind: "mock", enabled: true },
    { name: "openai", kind: "openai", enabled: true },
    { name: "groq", kind: "openai", enabled: true },
    { name: "azure", kind: "azure", enabled: true },
    { name: "anthropic", kind: "anthropic", enabled: false },
    { name: "claude", kind: "anthropic", enabled: true },
  ];

  it("groups enabled providers by kind, Azure with the OpenAI-compatible ones", () => {
    assert.deepEqual(defaultConnectorGroups(providers, { openai: 3 }), [
      { group: "mock", providers: ["mock"], replicas: 1 },
      { group: "openai", providers: ["openai", "groq", "azure"], replicas: 3 },
      { group: "anthropic", providers: ["claude"], replicas: 1 },
    ]);
  });

  it("reads replica counts per group and refuses what is not one", () => {
    assert.deepEqual(parseReplicaCounts("openai=2, mock=1"), { openai: 2, mock: 1 });
    assert.deepEqual(parseReplicaCounts(undefined), {});
    assert.throws(() => parseReplicaCounts("openai"), /<group>=<count>/);
    assert.throws(() => parseReplicaCounts("openai=0"), /from 1 to 64/);
  });
});
