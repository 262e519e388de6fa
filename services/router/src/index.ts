export type { DeploymentHealth, ObservedAttempt, ObservedRequest } from "./health.js";
export { HealthBook } from "./health.js";
export type { Plan, SkippedDeployment } from "./planner.js";
export { Planner } from "./planner.js";
