/**
 * Translation between the gateway's lingua franca (OpenAI Chat Completions) and the two other
 * public APIs the ingress serves: Anthropic Messages (`POST /v1/messages`) and OpenAI Responses
 * (`POST /v1/responses`). Pure functions and per-request stream translators; no I/O.
 *
 * Request:  validate*Request(body) → { ok, value } | { ok: false, error: { param, message } }
 *           anthropicToChat(value) / responsesToChat(value) → ChatRequest
 * Response: chatToAnthropicMessage(completion, requestedModel) / chatToResponse(completion, request)
 * Stream:   new AnthropicStreamTranslator() / new ResponsesStreamTranslator(request)
 *           start(meta) → events; push(chunk) → events; finish(usage?) → events
 *           each event { event, data } is framed by encodeSseEvent as `event: …\ndata: …\n\n`.
 */

export { anthropicErrorEvent, anthropicValidationError } from "./anthropic/errors.js";
export { anthropicToChat, validateAnthropicRequest } from "./anthropic/request.js";
export { anthropicMessageId, anthropicStopReason, anthropicUsage, chatToAnthropicMessage, parseToolInput } from "./anthropic/response.js";
export { type AnthropicStreamStart, AnthropicStreamTranslator } from "./anthropic/stream.js";
export type * from "./anthropic/types.js";
export type * from "./chat-types.js";
export { encodeSseEvent, type SseEvent, serializeEvents, type Validation, type ValidationIssue } from "./common.js";
export { responsesFailure, responsesValidationError } from "./responses/errors.js";
export { responsesToChat, validateResponsesRequest } from "./responses/request.js";
export { chatToResponse, type ResponseOptions, responseIdFrom } from "./responses/response.js";
export { type ResponsesStreamStart, ResponsesStreamTranslator } from "./responses/stream.js";
export type * from "./responses/types.js";
