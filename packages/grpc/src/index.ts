export { serviceDefinition } from "./definition.js";
export { MAX_MESSAGE_BYTES } from "./options.js";
export { startGrpcServer, GrpcStatusError } from "./server.js";
export { CALL_CANCELLED, CallCancellation, Cancellation } from "./call-context.js";
export type { CallContext, Cancellable } from "./call-context.js";
export type { ServiceHandlers, HandlersOf, ServerRegistration, RunningServer } from "./server.js";
export { createClient, isUnavailable, GrpcStatus, MUX_MAX_REQUEST_BYTES } from "./client.js";
export { MuxCallError, MUX_PAUSE_AT_BYTES, MUX_RESUME_AT_BYTES } from "./mux-client.js";
export type { CallOptions, ClientOptions, ServiceClient, ClientOf, ClientHandle } from "./client.js";
