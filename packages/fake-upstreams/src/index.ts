export type { FakeUpstream, RecordedRequest } from "./types.js";
export { collect, silentLogger, testCall } from "./call.js";
export type { ReportedLimits } from "./call.js";
export { readFixture, readJsonFixture } from "./fixtures.js";
export * from "./openai.js";
export { behaviourOf, countWords, halves, LEAK_MARKER, toolArguments, wordsOf } from "./behaviour.js";
export type { Behaviour } from "./behaviour.js";
export { startFakeAzure } from "./azure.js";
