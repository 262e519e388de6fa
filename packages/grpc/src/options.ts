import type { ChannelOptions } from "@grpc/grpc-js";

/** Large enough for requests carrying several base64 images. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * The HTTP/2 receive window of every stream and connection, both ways: with Node's default of
 * 64 KiB a 1 MB request waits for about sixteen WINDOW_UPDATE round trips. Streamed answers are
 * still held back per call (mux pause frames) and by grpc-js's own reading.
 */
export const FLOW_CONTROL_WINDOW_BYTES = 4 * 1024 * 1024;

export const channelOptions: ChannelOptions = {
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  "grpc.keepalive_time_ms": 30_000,
  "grpc.keepalive_timeout_ms": 10_000,
  "grpc.keepalive_permit_without_calls": 1,
  // Reconnect quickly when a peer restarts, so a replaced service is found again within a second.
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 2_000,
  // Read by grpc-js's client transport only; servers get theirs from `widenReceiveWindows`.
  "grpc-node.flow_control_window": FLOW_CONTROL_WINDOW_BYTES,
};
