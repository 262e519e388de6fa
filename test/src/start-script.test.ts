import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { after, before, describe, it } from "node:test";
import { freePort, isListening, PORT_VARIABLES } from "@switchyard/mesh";
import { ADMIN_KEY, eventually, ROOT, TEST_CONFIG, userMessage } from "./harness.js";

const MARK = "SWITCHYARD_TEST_START_RUN";

/** Every process (on this host) whose environment carries this run's mark: npm start's whole tree. */
function marked(run: string): number[] {
  const needle = `${MARK}=${run}\0`;
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").includes(needle)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

interface Started {
  child: ChildProcess;
  run: string;
  output(): string;
  exited: Promise<number | null>;
  natsPort: number;
  redisPort: number;
}

/** `npm start` with every port free, a private NATS and Redis address, and the absolute test config. */
async function npmStart(env: Record<string, string> = {}): Promise<Started> {
  const run = randomBytes(6).toString("hex");
  const natsPort = await freePort();
  const redisPort = await freePort();
  const ports = Object.fromEntries(
    Object.values(PORT_VARIABLES).flatMap((kinds) => Object.values(kinds).map((variable) => [variable, "0"])),
  );
  const child = spawn("npm", ["start"], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...ports,
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      SWITCHYARD_CONFIG: TEST_CONFIG,
      LOG_LEVEL: "warn",
      [MARK]: run,
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  child.stdout!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, run, output: () => text, exited, natsPort, redisPort };
}

describe("npm start", () => {
  let started: Started;
  let base: string;
  before(async () => {
    started = await npmStart();
    base = await eventually(
      async () => {
        if (started.child.exitCode !== null) throw new Error(`npm start exited:\n${started.output()}`);
        return /OpenAI base URL\s+(\S+)/.exec(started.output())?.[1];
      },
      "npm start to print its banner",
      110_000,
    );
  });
  after(async () => {
    if (started?.child.exitCode === null) started.child.kill("SIGKILL");
    for (const pid of marked(started?.run ?? "-")) process.kill(pid, "SIGKILL");
  });

  it("serves from an absolute SWITCHYARD_CONFIG on free ports, and announces them", async () => {
    const response = await fetch(`${base}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "mock-echo", messages: userMessage("from npm start") }),
    });
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(started.output(), new RegExp(`config ${TEST_CONFIG.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    for (const name of ["policy", "cache", "router", "connector-mock"])
      assert.match(started.output(), new RegExp(`${name}\\s+grpc 127\\.0\\.0\\.1:\\d+\\s+ops 127\\.0\\.0\\.1:\\d+`));
    assert.match(started.output(), /provider "openai" is off: SWITCHYARD_TEST_NEVER_SET not set/);
    assert.match(started.output(), new RegExp(`started nats-server on 127\\.0\\.0\\.1:${started.natsPort}`));
  });

  it("stops every process it started, NATS and Redis included, when npm gets SIGTERM", async () => {
    assert.ok(marked(started.run).length >= 9, "npm, the launcher, NATS, Redis and the services run");
    started.child.kill("SIGTERM");
    await started.exited;
    await eventually(async () => (marked(started.run).length === 0 ? true : undefined), "every process of the mesh to exit", 60_000);
    assert.equal(await isListening("127.0.0.1", started.natsPort), false);
    assert.equal(await isListening("127.0.0.1", started.redisPort), false);
  });
});

describe("npm start with the ingress's port taken", () => {
  let holder: Server;
  let port: number;
  before(async () => {
    port = await freePort();
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(port, "127.0.0.1", resolve));
  });
  after(() => new Promise((resolve) => holder.close(resolve)));

  it("exits non-zero, says which port, and leaves no process behind", async () => {
    const started = await npmStart({ SWITCHYARD_PORT: String(port) });
    const code = await started.exited;
    assert.notEqual(code, 0);
    assert.match(started.output(), new RegExp(`port already in use: 127\\.0\\.0\\.1:${port} \\(ingress http\\)`));
    await eventually(async () => (marked(started.run).length === 0 ? true : undefined), "every process it started to exit", 30_000);
  });
});
