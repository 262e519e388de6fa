export type { ErrorCode, ErrorSpec } from "./catalog.js";
export { errorCatalog, isErrorCode, specOf } from "./catalog.js";
export type { GatewayErrorOptions } from "./gateway-error.js";
export { GatewayError } from "./gateway-error.js";
export type { AnthropicErrorBody, HttpError, OpenAIErrorBody } from "./http.js";
export { anthropicErrorBody, openAIErrorBody, toHttpError } from "./http.js";
