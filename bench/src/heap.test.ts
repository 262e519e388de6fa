import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, it } from "node:test";
import { freePort } from "@switchyard/mesh";
import { liveMemory, streamCostBytes } from "./heap.js";

// A process like a service: started with --inspect-port (inspector off), told over IPC to make
// garbage or to keep objects and Buffers.
const CHILD = `
let kept = [];
process.on("message", (command) => {
  if (command === "garbage") {
    let waste = [];
    for (let i = 0; i < 200000; i++) waste.push({ i, text: "garbage " + i });
    waste = undefined;
  } else if (command === "keep") {
    for (let i = 0; i < 100000; i++) kept.push({ i, text: "kept " + i });
    kept.push(Buffer.alloc(8 * 1024 * 1024, 1));
  }
  process.send("done");
});
process.send("ready");
`;

let child: ChildProcess;
let target: { name: string; pid: number; inspectPort: number };

async function tell(command: string): Promise<void> {
  const reply = once(child, "message");
  child.send(command);
  await reply;
}

before(async () => {
  const inspectPort = await freePort();
  child = spawn(process.execPath, [`--inspect-port=127.0.0.1:${inspectPort}`, "-e", CHILD], {
    stdio: ["ignore", "ignore", "ignore", "ipc"],
  });
  await once(child, "message");
  target = { name: "svc", pid: child.pid!, inspectPort };
});

after(() => {
  child.kill();
});

it("reads what a process keeps alive, not its garbage, switching its inspector on when it is off", async () => {
  const start = (await liveMemory([target])).svc;
  assert.ok(start !== undefined && start > 0, "the inspector was switched on and answered");

  await tell("garbage");
  const afterGarbage = (await liveMemory([target])).svc!;
  assert.ok(afterGarbage - start < 2 * 1024 * 1024, `garbage should not count: ${start} → ${afterGarbage}`);

  await tell("keep");
  const afterKeeping = (await liveMemory([target])).svc!;
  // 100,000 small objects with their strings (several MB) and an 8 MB Buffer (external memory).
  assert.ok(afterKeeping - afterGarbage > 10 * 1024 * 1024, `kept objects should count: ${afterGarbage} → ${afterKeeping}`);
});

it("leaves out a process whose inspector cannot be reached", async () => {
  const closedPort = await freePort();
  const live = await liveMemory([target, { name: "gone", pid: child.pid!, inspectPort: closedPort }], 500);
  assert.deepEqual(Object.keys(live), ["svc"]);
});

it("judges an open stream by the larger of its RSS and heap figures", () => {
  assert.equal(streamCostBytes({ bytesPerStream: -4_000, heapBytesPerStream: 9_000 }), 9_000);
  assert.equal(streamCostBytes({ bytesPerStream: 20_000, heapBytesPerStream: 9_000 }), 20_000);
  assert.equal(streamCostBytes({ bytesPerStream: 7_000 }), 7_000);
});
