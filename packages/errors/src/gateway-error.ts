import { create } from "@bufbuild/protobuf";
import { type Failure, FailureSchema } from "@switchyard/proto";
import { type ErrorCode, errorCatalog, isErrorCode } from "./catalog.js";

export interface GatewayErrorOptions {
  param?: string;
  upstreamStatus?: number;
  retryAfterS?: number;
  cause?: unknown;
}

/** A failure with a stable code; its class and HTTP status follow from the code. */
export class GatewayError extends Error {
  readonly param: string | undefined;
  readonly upstreamStatus: number;
  readonly retryAfterS: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: GatewayErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.param = options.param;
    this.upstreamStatus = options.upstreamStatus ?? 0;
    this.retryAfterS = options.retryAfterS ?? 0;
  }

  get spec() {
    return errorCatalog[this.code];
  }

  toFailure(): Failure {
    return create(FailureSchema, {
      class: this.spec.class,
      code: this.code,
      message: this.message,
      param: this.param ?? "",
      upstreamStatus: this.upstreamStatus,
      retryAfterS: this.retryAfterS,
    });
  }

  static fromFailure(failure: Failure): GatewayError {
    const code = isErrorCode(failure.code) ? failure.code : "internal_error";
    return new GatewayError(code, failure.message, {
      param: failure.param || undefined,
      upstreamStatus: failure.upstreamStatus,
      retryAfterS: failure.retryAfterS,
    });
  }
}
