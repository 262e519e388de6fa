import { jetstreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { USAGE_STREAM, USAGE_SUBJECTS } from "./subjects.js";

const DAY_NS = 24 * 60 * 60 * 1e9;

/** Creates the usage stream when absent; idempotent, so every publisher and consumer may call it. */
export async function ensureUsageStream(connection: NatsConnection): Promise<void> {
  const manager = await jetstreamManager(connection);
  try {
    await manager.streams.info(USAGE_STREAM);
  } catch {
    try {
      await manager.streams.add({
        name: USAGE_STREAM,
        subjects: [USAGE_SUBJECTS],
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        max_age: 7 * DAY_NS,
        // Publishers set Nats-Msg-Id to the request id: a retried publish is stored once.
        duplicate_window: 2 * 60 * 1e9,
      });
    } catch (error) {
      // Another service created it between our info and add.
      await manager.streams.info(USAGE_STREAM).catch(() => {
        throw error;
      });
    }
  }
}
