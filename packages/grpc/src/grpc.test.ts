import assert from "node:assert/strict";
import { once } from "node:events";
import { connect as http2Connect } from "node:http2";
import { after, before, describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { ConnectorService, Operation, PolicyService } from "@switchyard/proto";
import {
  Cancellation,
  createClient,
  GrpcStatus,
  GrpcStatusError,
  isUnavailable,
  MUX_MAX_REQUEST_BYTES,
  MUX_PAUSE_AT_BYTES,
  type RunningServer,
  startGrpcServer,
} from "./index.js";
import { FLOW_CONTROL_WINDOW_BYTES } from "./options.js";

for (const multiplex of [true, false])
  describe(`grpc adapter over protobuf-es descriptors (${multiplex ? "multiplexed stream" : "a call each"})`, () => {
    let server: RunningServer;
    let cancelled: Promise<void>;
    let markCancelled: () => void;
    const errors: string[] = [];

    before(async () => {
      cancelled = new Promise((resolve) => (markCancelled = resolve));
      server = await startGrpcServer(
        "127.0.0.1",
        0,
        (s) => {
          s.add(PolicyService, {
            admin: () => ({}),
            authorize(request) {
              if (request.apiKey === "explode") throw new Error("secret internals");
              if (request.apiKey === "status") throw new GrpcStatusError(GrpcStatus.PERMISSION_DENIED, "no");
              return { allowed: true, keyName: `key-of-${request.apiKey}`, allowedModels: ["a", "b"] };
            },
          });
          s.add(ConnectorService, {
            async *generate(request, context) {
              for (let i = 0; i < 3; i++) yield { event: { case: "chunk", value: new TextEncoder().encode(`${request.requestId}:${i}`) } };
              if (request.stream) {
                // Wait until the caller cancels.
                await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
                markCancelled();
                return;
              }
              yield { event: { case: "usage", value: { promptTokens: 1, completionTokens: 2, totalTokens: 3 } } };
            },
          });
        },
        (error) => errors.push(String(error)),
      );
    });
    after(() => server.shutdown(1_000));

    it("serves and calls a unary method with typed messages", async () => {
      const client = createClient(PolicyService, `127.0.0.1:${server.port}`, { multiplex });
      const response = await client.authorize({ apiKey: "k1", model: "m" });
      assert.equal(response.allowed, true);
      assert.equal(response.keyName, "key-of-k1");
      assert.deepEqual(response.allowedModels, ["a", "b"]);
      assert.ok(client.isReady());
      client.close();
    });

    it("hides internal error details from callers but reports them locally", async () => {
      const client = createClient(PolicyService, `127.0.0.1:${server.port}`, { multiplex });
      await assert.rejects(
        client.authorize({ apiKey: "explode" }),
        (error: { code: number; details: string }) => error.code === GrpcStatus.INTERNAL && !error.details.includes("secret"),
      );
      assert.ok(errors.some((e) => e.includes("secret internals")));
      await assert.rejects(
        client.authorize({ apiKey: "status" }),
        (error: { code: number }) => error.code === GrpcStatus.PERMISSION_DENIED,
      );
      client.close();
    });

    it("streams server messages in order", async () => {
      const client = createClient(ConnectorService, `127.0.0.1:${server.port}`, { multiplex });
      const events = [];
      for await (const event of client.generate({ requestId: "r", operation: Operation.CHAT })) events.push(event.event);
      assert.deepEqual(
        events.map((e) => (e.case === "chunk" ? new TextDecoder().decode(e.value) : e.case)),
        ["r:0", "r:1", "r:2", "usage"],
      );
      client.close();
    });

    it("cancels the server's work when the caller aborts", async () => {
      const client = createClient(ConnectorService, `127.0.0.1:${server.port}`, { multiplex });
      const controller = new AbortController();
      const seen: string[] = [];
      await assert.rejects(
        (async () => {
          for await (const event of client.generate(
            { requestId: "c", stream: true },
            { cancellation: Cancellation.following(controller.signal) },
          )) {
            if (event.event.case === "chunk") seen.push(new TextDecoder().decode(event.event.value));
            if (seen.length === 3) controller.abort();
          }
        })(),
        (error: { code: number }) => error.code === GrpcStatus.CANCELLED,
      );
      await cancelled;
      assert.equal(seen.length, 3);
      client.close();
    });

    it("reports an unreachable peer as unavailable", async () => {
      const client = createClient(PolicyService, "127.0.0.1:1", { multiplex });
      await assert.rejects(client.authorize({}, { timeoutMs: 2_000 }), (error) => isUnavailable(error));
      client.close();
    });
  });

describe("multiplexed calls", () => {
  const slowStarted: string[] = [];
  let release: () => void = () => {};
  const startServer = () =>
    startGrpcServer("127.0.0.1", 0, (s) => {
      s.add(PolicyService, {
        admin: () => ({}),
        async authorize(request) {
          if (request.apiKey.startsWith("slow")) {
            slowStarted.push(request.apiKey);
            await new Promise<void>((resolve) => (release = resolve));
          }
          return { allowed: true, keyName: request.apiKey.slice(0, 16) };
        },
      });
    });

  it("sends requests above the size limit as calls of their own, and both kinds work", async () => {
    const server = await startServer();
    const client = createClient(PolicyService, `127.0.0.1:${server.port}`);
    const big = "k".repeat(MUX_MAX_REQUEST_BYTES + 1);
    const [small, large] = await Promise.all([client.authorize({ apiKey: "small" }), client.authorize({ apiKey: big })]);
    assert.equal(small.keyName, "small");
    assert.equal(large.keyName, big.slice(0, 16));
    client.close();
    await server.shutdown(1_000);
  });

  it("keeps many concurrent calls apart on one stream", async () => {
    const server = await startServer();
    const client = createClient(PolicyService, `127.0.0.1:${server.port}`);
    const names = Array.from({ length: 500 }, (_, i) => `key-${i}`);
    const answers = await Promise.all(names.map((apiKey) => client.authorize({ apiKey })));
    assert.deepEqual(
      answers.map((a) => a.keyName),
      names,
    );
    client.close();
    await server.shutdown(1_000);
  });

  it("gives up a call at its deadline", async () => {
    const server = await startServer();
    const client = createClient(PolicyService, `127.0.0.1:${server.port}`);
    await assert.rejects(
      client.authorize({ apiKey: "slow-deadline" }, { timeoutMs: 50 }),
      (error: { code: number }) => error.code === GrpcStatus.DEADLINE_EXCEEDED,
    );
    release();
    client.close();
    await server.shutdown(1_000);
  });

  it("finishes calls in flight when the server drains, refuses new ones, then reconnects to a new server", async () => {
    const server = await startServer();
    const address = `127.0.0.1:${server.port}`;
    const client = createClient(PolicyService, address);
    const inFlight = client.authorize({ apiKey: "slow-drain" });
    while (!slowStarted.includes("slow-drain")) await new Promise((resolve) => setTimeout(resolve, 5));
    const stopped = server.shutdown(5_000);
    await assert.rejects(client.authorize({ apiKey: "late" }), (error) => isUnavailable(error));
    release();
    assert.equal((await inFlight).keyName, "slow-drain");
    await stopped;
    assert.equal(server.inFlight(), 0);
    client.close();
  });

  it("fails the calls on a stream that breaks as unavailable", async () => {
    const server = await startServer();
    const client = createClient(PolicyService, `127.0.0.1:${server.port}`);
    const inFlight = client.authorize({ apiKey: "slow-break" });
    while (!slowStarted.includes("slow-break")) await new Promise((resolve) => setTimeout(resolve, 5));
    await server.shutdown(0);
    await assert.rejects(inFlight, (error) => isUnavailable(error));
    release();
    client.close();
  });

  it("holds back a streamed call whose caller reads slowly, and only that call", async (t) => {
    const CHUNK = 1_024;
    const TOTAL = 20_000; // 20 MB: far more than any buffer on the way holds
    const produced = new Map<string, number>();
    const server = await startGrpcServer("127.0.0.1", 0, (s) => {
      s.add(ConnectorService, {
        async *generate(request) {
          for (let i = 0; i < TOTAL; i++) {
            produced.set(request.requestId, i + 1);
            yield { event: { case: "chunk", value: Buffer.alloc(CHUNK, i % 251) } };
          }
        },
      });
    });
    const client = createClient(ConnectorService, `127.0.0.1:${server.port}`);
    t.after(async () => {
      client.close();
      await server.shutdown(1_000);
    });
    const slow = client.generate({ requestId: "slow", stream: true })[Symbol.asyncIterator]();
    assert.equal((await slow.next()).done, false);

    // The producer stops soon after the caller holds MUX_PAUSE_AT_BYTES unread: the pause takes a
    // few turns of the event loop to arrive (a dozen here, with both ends in one process), and the
    // server yields every 64 KiB, so it stops well short of the 20 MB.
    let last = -1;
    while (produced.get("slow") !== last) {
      last = produced.get("slow") ?? 0;
      await sleep(100);
    }
    assert.ok(
      last * CHUNK > MUX_PAUSE_AT_BYTES && last * CHUNK < 2 * 1024 * 1024,
      `the server stopped after ${last} messages while the caller read one`,
    );

    // Another call on the same stream is not held up by the paused one.
    let fast = 0;
    for await (const event of client.generate({ requestId: "fast", stream: true })) if (event.event.case === "chunk") fast++;
    assert.equal(fast, TOTAL);
    assert.equal(produced.get("slow"), last);

    // Reading on lets the held call go on, to the end and in order.
    let read = 1;
    for (let next = await slow.next(); !next.done; next = await slow.next()) {
      const value = next.value.event.value as Uint8Array;
      assert.equal(value[0], read % 251, `message ${read} out of order`);
      read++;
    }
    assert.equal(read, TOTAL);
  });
});

it("gives callers a wide HTTP/2 receive window, per stream and per connection", async (t) => {
  const server = await startGrpcServer("127.0.0.1", 0, (s) =>
    s.add(PolicyService, { authorize: () => ({ allowed: true }), admin: () => ({}) }),
  );
  const session = http2Connect(`http://127.0.0.1:${server.port}`);
  t.after(async () => {
    session.destroy();
    await server.shutdown(1_000);
  });
  await once(session, "remoteSettings");
  // The server's first SETTINGS carry Node's defaults; the wider windows follow at once.
  const deadline = Date.now() + 5_000;
  const windows = () => ({ stream: session.remoteSettings.initialWindowSize, connection: session.state.remoteWindowSize });
  while (windows().connection !== FLOW_CONTROL_WINDOW_BYTES && Date.now() < deadline) await sleep(10);
  assert.deepEqual(windows(), { stream: FLOW_CONTROL_WINDOW_BYTES, connection: FLOW_CONTROL_WINDOW_BYTES });
});
