import { GatewayError, openAIErrorBody, toHttpError } from "@switchyard/errors";
import type { ErrorObject } from "ajv";
import type { FastifyBaseLogger, FastifyError, FastifyInstance } from "fastify";
import { locate } from "../schemas/explain.js";
import { openAIDialect, phrase } from "../translate/common.js";

/** One readable sentence for the first schema violation, naming the field (Ajv errors, `verbose: true`). */
export function explainValidation(issues: ErrorObject[]): GatewayError {
  const located = locate(issues);
  if (located.path.length === 0) return new GatewayError("invalid_request", "The request body must be a JSON object.");
  const { param, message } = phrase(openAIDialect, located);
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
export function toGatewayError(error: FastifyError & { validation?: ErrorObject[] }, log: FastifyBaseLogger): GatewayError {
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
  app.setErrorHandler((error: FastifyError & { validation?: ErrorObject[] }, request, reply) => {
    const http = toHttpError(toGatewayError(error, request.log));
    void reply.code(http.status).headers(http.headers).send(openAIErrorBody(http.error));
  });

  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError("not_found", `Unknown request URL: ${request.method} ${request.url.split("?")[0]}.`);
    void reply.code(404).send(openAIErrorBody(error));
  });
}
