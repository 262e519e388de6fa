import { after, before } from "node:test";
import { Redis } from "ioredis";
import { type PrivateServer, startPrivateRedis } from "./infra.js";

export interface TestRedis {
  /** A client connected to the private server (valid inside tests). */
  readonly client: Redis;
  readonly url: string;
}

/**
 * A private redis-server for the tests of one file: started before them, stopped after, with a
 * client ready to use. Call at the top level of a test file.
 */
export function useTestRedis(): TestRedis {
  let server: PrivateServer | undefined;
  let client: Redis | undefined;
  before(async () => {
    server = await startPrivateRedis();
    client = new Redis(server.url);
  });
  after(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get client() {
      if (!client) throw new Error("useTestRedis: the client exists only while tests run");
      return client;
    },
    get url() {
      if (!server) throw new Error("useTestRedis: the server exists only while tests run");
      return server.url;
    },
  };
}
