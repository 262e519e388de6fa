// The generated protobuf-es code, re-exported under one name. Nothing here is written by hand
// except this file; regenerate with `npm run generate`.

export * from "./gen/switchyard/v1/cache_pb.js";
export * from "./gen/switchyard/v1/common_pb.js";
export * from "./gen/switchyard/v1/connector_pb.js";
export * from "./gen/switchyard/v1/mux_pb.js";
export * from "./gen/switchyard/v1/policy_pb.js";
export * from "./gen/switchyard/v1/router_pb.js";
export * from "./gen/switchyard/v1/usage_pb.js";
