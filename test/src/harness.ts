import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { fromJsonString } from "@bufbuild/protobuf";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type Infra, type Mesh, type MeshOptions, startIsolatedInfra, startMesh } from "@switchyard/mesh";
import { type UsageEvent, UsageEventSchema } from "@switchyard/proto";
import { Redis } from "ioredis";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const TEST_CONFIG = join(ROOT, "test", "fixtures", "switchyard.test.yaml");
export const ADMIN_KEY = "sk-test-admin-0001";
export const NARROW_KEY = "sk-test-narrow-0002";

export interface TestMesh {
  mesh: Mesh;
  infra: Infra;
  redis: Redis;
  nats: NatsConnection;
  url(path: string): string;
  stop(): Promise<void>;
}

/** The real mesh (every service its own process) on a private NATS and Redis. */
export async function startTestMesh(options: Partial<MeshOptions> = {}): Promise<TestMesh> {
  const infra = await startIsolatedInfra();
  let mesh: Mesh;
  try {
    mesh = await startMesh({
      configPath: TEST_CONFIG,
      natsUrl: infra.natsUrl,
      redisUrl: infra.redisUrl,
      ports: "ephemeral",
      logs: "quiet",
      ...options,
      // Each mesh its own request log (SQLite), not the repository's .switchyard/data.
      env: { SWITCHYARD_DATA_DIR: mkdtempSync(join(tmpdir(), "switchyard-data-")), ...options.env },
    });
  } catch (error) {
    await infra.stop();
    throw error;
  }
  const redis = new Redis(infra.redisUrl);
  const nats = await connect({ servers: infra.natsUrl });
  return {
    mesh,
    infra,
    redis,
    nats,
    url: (path) => `${mesh.baseUrl}${path}`,
    stop: async () => {
      await nats.close();
      redis.disconnect();
      await mesh.stop();
      await infra.stop();
    },
  };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Reads an SSE body into its `data:` payloads (without the trailing [DONE]) and whether [DONE] came. */
export async function readSse(response: Response): Promise<{ events: unknown[]; done: boolean; raw: string }> {
  const raw = await response.text();
  const events: unknown[] = [];
  let done = false;
  for (const block of raw.split("\n\n")) {
    const data = block
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => line.slice(6))
      .join("\n");
    if (!data) continue;
    if (data === "[DONE]") done = true;
    else events.push(JSON.parse(data));
  }
  return { events, done, raw };
}

/** The request log's entry for a request (`GET /admin/logs/{id}`), or undefined while it is not there. */
export async function loggedRequest(
  t: TestMesh,
  requestId: string,
): Promise<{ entry: Record<string, unknown>; event: UsageEvent } | undefined> {
  try {
    const response = await fetch(t.url(`/admin/logs/${encodeURIComponent(requestId)}`), {
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    if (response.status !== 200) return undefined;
    const entry = (await response.json()) as Record<string, unknown>;
    return { entry, event: fromJsonString(UsageEventSchema, JSON.stringify(entry.usage_event)) };
  } catch {
    return undefined;
  }
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function userMessage(text: string) {
  return [{ role: "user", content: text }];
}

/**
 * Watches `switchyard.usage.>` from before a request is sent (as `nats sub` would) and resolves
 * with the usage event, and the subject it came on, for the request id the client saw.
 */
export function watchUsage(t: TestMesh) {
  const seen = new Map<string, { subject: string; event: UsageEvent }>();
  const subscription = t.nats.subscribe("switchyard.usage.>", {
    callback: (_error, message) => {
      const event = fromJsonString(UsageEventSchema, message.string());
      seen.set(event.requestId, { subject: message.subject, event });
    },
  });
  return {
    eventOf: async (requestId: string) => {
      try {
        return await eventually(async () => seen.get(requestId), `the usage event of ${requestId}`);
      } finally {
        subscription.unsubscribe();
      }
    },
  };
}

/** A sentence of `count` distinct words (`w0 w1 …`), for answers long enough to cut short. */
export function manyWords(count: number, prefix = "w"): string {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`).join(" ");
}
