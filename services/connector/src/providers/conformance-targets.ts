import { conformance as anthropic } from "./anthropic/conformance.js";
import { conformance as azure, conformanceV1 as azureV1 } from "./azure/conformance.js";
import { conformance as bedrock } from "./bedrock/conformance.js";
import type { ConformanceTarget } from "./conformance-target.js";
import { conformance as gemini } from "./gemini/conformance.js";
import { conformance as mock } from "./mock/conformance.js";
import { conformance as openai, conformanceGroq as openaiGroq } from "./openai/conformance.js";

/** Every kind the conformance suite runs. One line per kind. */
export const conformanceTargets: ConformanceTarget[] = [mock, openai, openaiGroq, azure, azureV1, bedrock, anthropic, gemini];
