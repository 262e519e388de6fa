import { specOf } from "./catalog.js";
import { GatewayError } from "./gateway-error.js";

export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}

export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
}

export interface HttpError {
  status: number;
  headers: Record<string, string>;
  error: GatewayError;
}

/** The one place a failure becomes an HTTP status and headers. */
export function toHttpError(error: unknown): HttpError {
  const gatewayError =
    error instanceof GatewayError ? error : new GatewayError("internal_error", "The gateway failed to handle the request.");
  const headers: Record<string, string> = {};
  if (gatewayError.retryAfterS > 0) headers["retry-after"] = String(gatewayError.retryAfterS);
  return { status: specOf(gatewayError.code).status, headers, error: gatewayError };
}

export function openAIErrorBody(error: GatewayError): OpenAIErrorBody {
  return {
    error: { message: error.message, type: error.spec.type, param: error.param ?? null, code: error.code },
  };
}

export function anthropicErrorBody(error: GatewayError): AnthropicErrorBody {
  return { type: "error", error: { type: error.spec.anthropicType, message: error.message } };
}
