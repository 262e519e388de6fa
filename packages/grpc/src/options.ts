import type { ChannelOptions } from "@grpc/grpc-js";

/** Large enough for requests carrying several base64 images. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export const channelOptions: ChannelOptions = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  // Reconnect quickly when a peer restarts, so a replaced service is found again within a second.
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 2_000,
};
