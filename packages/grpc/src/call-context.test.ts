import assert from "node:assert/strict";
import { it } from "node:test";
import { CALL_CANCELLED, CallCancellation } from "./call-context.js";

it("runs cancel listeners once, skips removed ones, and hands a signal made late its cancelled state", async () => {
  const call = new CallCancellation({} as never);
  const heard: string[] = [];
  call.onCancel(() => heard.push("a"));
  const remove = call.onCancel(() => heard.push("b"));
  remove();
  assert.equal(call.cancelled, false);
  const early = call.signal;
  call.cancel();
  call.cancel();
  assert.deepEqual(heard, ["a"]);
  assert.equal(early.aborted, true);
  assert.equal(early.reason, CALL_CANCELLED);
  assert.equal(call.signal, early, "one signal per call");

  const late = new CallCancellation({} as never);
  late.cancel();
  assert.equal(late.signal.aborted, true, "a signal first asked for after the cancel is already aborted");
  await new Promise<void>((resolve) => late.onCancel(resolve)); // a listener added after the cancel still runs
});

it("follows an AbortSignal", () => {
  const controller = new AbortController();
  const call = CallCancellation.following(controller.signal);
  assert.equal(call.cancelled, false);
  controller.abort();
  assert.equal(call.cancelled, true);
  assert.equal(CallCancellation.following(AbortSignal.abort()).cancelled, true);
});
