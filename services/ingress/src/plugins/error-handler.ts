import { GatewayError, openAIErrorBody, toHttpError } from "@switchyard/errors";
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from "fastify";

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  data?: unknown;
  parentSchema?: { type?: unknown };
}

/** `/messages/0/role` → `messages[0].role` (OpenAI names params this way). */
export function paramOf(instancePath: string, missing?: unknown): string {
  const segments = instancePath.split("/").slice(1);
  if (typeof missing === "string") segments.push(missing);
  return segments.reduce((out, s) => (/^\d+$/.test(s) ? `${out}[${s}]` : out ? `${out}.${s}` : s), "");
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/** One readable sentence for the first schema violation, naming the field. */
export function explainValidation(issues: ValidationIssue[]): GatewayError {
  // anyOf wraps the specific failure; the most specific issue is the deepest one.
  const issue = [...issues].sort((a, b) => b.instancePath.length - a.instancePath.length)[0]!;
  const param = paramOf(issue.instancePath, issue.params.missingProperty ?? issue.params.additionalProperty);
  if (!param) return new GatewayError("invalid_request", "The request body must be a JSON object.");
  let message: string;
  switch (issue.keyword) {
    case "required":
      message = `Missing required parameter: '${param}'.`;
      break;
    case "additionalProperties":
      message = `Unrecognized request argument supplied: '${param}'.`;
      break;
    case "type":
      message = `Invalid type for '${param}': expected ${String(issue.params.type).replace(/,/g, " or ")}, but got ${describeType(issue.data)} instead.`;
      break;
    case "anyOf":
      message = `Invalid value for '${param}': got ${describeType(issue.data)}${typeof issue.data === "string" ? ` '${issue.data}'` : ""}, which matches none of the accepted types.`;
      break;
    case "const":
    case "enum":
      message = `Invalid value for '${param}': ${JSON.stringify(issue.data)} is not supported.`;
      break;
    default:
      message = `Invalid value for '${param}': ${issue.message ?? "not accepted"}.`;
  }
  return new GatewayError("invalid_request", message, { param });
}

const FASTIFY_CODES: Record<string, () => GatewayError> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => new GatewayError("request_too_large", "Request body is larger than the gateway accepts."),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new GatewayError("invalid_json", "The request body is empty; send a JSON object."),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () =>
    new GatewayError("unsupported_media_type", "Unsupported content type; send the body as application/json."),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new GatewayError("invalid_request", "Content-Length does not match the body."),
};

/** Any error thrown while handling a request, as the gateway error the client is told about. */
export function toGatewayError(error: FastifyError & { validation?: ValidationIssue[] }, log: FastifyBaseLogger): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error.validation && error.validation.length > 0) return explainValidation(error.validation);
  if (error.code && FASTIFY_CODES[error.code]) return FASTIFY_CODES[error.code]!();
  if (error instanceof SyntaxError || error.code === "FST_ERR_CTP_INVALID_JSON_BODY") {
    return new GatewayError("invalid_json", `We could not parse the JSON body of your request: ${error.message}`);
  }
  log.error({ err: error }, "unhandled error");
  return new GatewayError("internal_error", "The gateway failed to handle the request.");
}

/** Every error leaving the ingress becomes an OpenAI error body; nothing else escapes. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError & { validation?: ValidationIssue[] }, request, reply) => {
    const http = toHttpError(toGatewayError(error, request.log));
    void reply.code(http.status).headers(http.headers).send(openAIErrorBody(http.error));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError("not_found", `Unknown request URL: ${request.method} ${request.url.split("?")[0]}.`);
    void reply.code(404).send(openAIErrorBody(error));
  });
}
