import type { GatewayError } from "@switchyard/errors";
import { type Headers, headerText } from "../../http/rate-limits.js";
import { errorFromStatus, type UpstreamErrorBody } from "../upstream-errors.js";

/**
 * The HTTP status Bedrock gives each of its error types; a ConverseStream exception message
 * carries only the type, so this is how one gets its class.
 */
const STATUS_OF_TYPE: Record<string, number> = {
  ValidationException: 400,
  ServiceQuotaExceededException: 400,
  AccessDeniedException: 403,
  UnrecognizedClientException: 403,
  ExpiredTokenException: 403,
  ResourceNotFoundException: 404,
  ModelTimeoutException: 408,
  ThrottlingException: 429,
  InternalServerException: 500,
  ModelErrorException: 500,
  ModelStreamErrorException: 500,
  ServiceUnavailableException: 503,
  ModelNotReadyException: 503,
};

/** A validation error of this text means the prompt does not fit the model's context window. */
const TOO_LONG = /too long|too many (input )?tokens|context (length|window)/i;

/**
 * Reads a Bedrock error answer: `{"message": …}` with the error type in `x-amzn-errortype`
 * (`ValidationException:http://…`, the part after the colon is not the type) or, in some
 * answers, the body's `__type` (`com.amazon…#ValidationException`).
 */
export function parseBedrockError(_status: number, text: string, headers: Headers): UpstreamErrorBody {
  let message = "";
  let bodyType: string | undefined;
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null) {
      const body = value as Record<string, unknown>;
      const said = body.message ?? body.Message;
      if (typeof said === "string") message = said;
      if (typeof body.__type === "string") bodyType = body.__type;
    }
  } catch {
    message = text.trim().slice(0, 500);
  }
  const type = errorTypeName(headerText(headers, "x-amzn-errortype") ?? bodyType);
  return describe(type, message);
}

/**
 * A ConverseStream exception message (`:message-type` exception, its type in `:exception-type`,
 * e.g. `throttlingException`, and `{"message": …}` as payload) as the error it stands for.
 */
export function errorOfStreamException(provider: string, exceptionType: string, payload: string): GatewayError {
  const type = exceptionType ? exceptionType[0]!.toUpperCase() + exceptionType.slice(1) : "InternalServerException";
  let message = "";
  try {
    const value: unknown = JSON.parse(payload);
    if (typeof value === "object" && value !== null && typeof (value as { message?: unknown }).message === "string") {
      message = (value as { message: string }).message;
    }
  } catch {
    // No readable message: the type says enough.
  }
  return errorFromStatus({ provider, status: STATUS_OF_TYPE[type] ?? 500, ...describe(type, message) });
}

function describe(type: string | undefined, message: string): UpstreamErrorBody {
  const found: UpstreamErrorBody = { message };
  if (type) found.type = type;
  if (type === "ValidationException" && TOO_LONG.test(message)) found.code = "context_length_exceeded";
  return found;
}

function errorTypeName(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const withoutUri = raw.split(":")[0]!;
  const hash = withoutUri.lastIndexOf("#");
  return (hash >= 0 ? withoutUri.slice(hash + 1) : withoutUri).trim() || undefined;
}
