import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@switchyard/telemetry";

/** Connects to NATS and keeps reconnecting forever; logs state changes. */
export async function connectBus(url: string, name: string, logger: Logger): Promise<NatsConnection> {
  const connection = await connect({
    servers: url.split(","),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    waitOnFirstConnect: true,
    timeout: 5_000,
  });
  void (async () => {
    for await (const status of connection.status()) {
      if (status.type === "disconnect" || status.type === "reconnect" || status.type === "error") {
        logger.warn({ nats: status.type }, "nats connection status changed");
      }
    }
  })();
  return connection;
}

export type { NatsConnection } from "@nats-io/transport-node";
