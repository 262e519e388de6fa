import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { pino } from "pino";
import { lazyChildLogger } from "./lazy-request-logger.js";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: "info" }, stream), lines };
}

describe("lazy request logger", () => {
  it("makes no child logger until something logs, then logs with the request's bindings", async () => {
    const { logger, lines } = capture();
    let children = 0;
    const parent = Object.assign(Object.create(logger) as typeof logger, {
      child: (...args: Parameters<typeof logger.child>) => {
        children++;
        return logger.child(...args);
      },
    });
    const log = lazyChildLogger(parent, { requestId: "req_1" }, {});
    assert.equal(log.level, "info");
    assert.equal(children, 0);
    log.debug("not written");
    log.error({ code: 7 }, "failed");
    log.warn("again");
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(children, 1);
    assert.deepEqual(
      lines.map((line) => [line.requestId, line.msg, line.code]),
      [
        ["req_1", "failed", 7],
        ["req_1", "again", undefined],
      ],
    );
  });
});
