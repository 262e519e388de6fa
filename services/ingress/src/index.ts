// What other packages (the benchmarks) use of the ingress without starting it.
export { routeOf, weightedOrder } from "./pipeline/route.js";
export type { Route, RouteInputs } from "./pipeline/route.js";
export { defaultComplexity } from "./pipeline/prompt-complexity.js";
export type { ComplexityScorer } from "./pipeline/prompt-complexity.js";
