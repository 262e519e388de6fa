export { MESH_SERVICES, startMesh, REPO_ROOT, defaultConnectorGroups, parseReplicaCounts } from "./launcher.js";
export type { Mesh, MeshOptions, ServiceProcess, ConnectorPlan } from "./launcher.js";
export { ensureInfra, startIsolatedInfra, startPrivateNats, startPrivateRedis, MissingDependencyError } from "./infra.js";
export type { Infra, PrivateServer } from "./infra.js";
export { freePort, isListening, waitFor } from "./net.js";
export { formatLogLine } from "./log-format.js";
