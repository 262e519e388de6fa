// What other packages (the benchmarks) use of the ingress without starting it.

export type { ComplexityScorer } from "./pipeline/prompt-complexity.js";
export { defaultComplexity } from "./pipeline/prompt-complexity.js";
export type { Route, RouteInputs } from "./pipeline/route.js";
export { routeOf, weightedOrder } from "./pipeline/route.js";
