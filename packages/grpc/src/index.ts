export { serviceDefinition } from "./definition.js";
export { MAX_MESSAGE_BYTES } from "./options.js";
export { startGrpcServer, GrpcStatusError, CALL_CANCELLED } from "./server.js";
export type { CallContext, ServiceHandlers, HandlersOf, ServerRegistration, RunningServer } from "./server.js";
export { createClient, isUnavailable, GrpcStatus, MUX_MAX_REQUEST_BYTES } from "./client.js";
export { MuxCallError } from "./mux-client.js";
export type { CallOptions, ClientOptions, ServiceClient, ClientOf, ClientHandle } from "./client.js";
