export { errorCatalog, isErrorCode, specOf } from "./catalog.js";
export type { ErrorCode, ErrorSpec } from "./catalog.js";
export { GatewayError } from "./gateway-error.js";
export type { GatewayErrorOptions } from "./gateway-error.js";
export { toHttpError, openAIErrorBody, anthropicErrorBody } from "./http.js";
export type { HttpError, OpenAIErrorBody, AnthropicErrorBody } from "./http.js";
