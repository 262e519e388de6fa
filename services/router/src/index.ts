export { Planner } from "./planner.js";
export type { Plan, SkippedDeployment } from "./planner.js";
export { HealthBook } from "./health.js";
export type { DeploymentHealth, ObservedRequest, ObservedAttempt } from "./health.js";
