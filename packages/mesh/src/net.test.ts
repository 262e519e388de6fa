import assert from "node:assert/strict";
import { createServer } from "node:net";
import { describe, it } from "node:test";
import { freePort } from "./net.js";

describe("freePort", () => {
  it("never hands out the same port twice, even before anything binds it", async () => {
    const ports = [];
    for (let i = 0; i < 300; i++) ports.push(await freePort());
    assert.equal(new Set(ports).size, ports.length);
  });

  it("hands out a port that can be bound", async () => {
    const port = await freePort();
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
