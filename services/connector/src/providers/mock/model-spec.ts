import { GatewayError } from "@switchyard/errors";
import { errorFromStatus } from "../upstream-errors.js";

/**
 * What a mock deployment does, read from its model name: `<behaviour>?<param>=<value>&...`,
 * e.g. `echo`, `echo?latency_ms=200`, `echo?tools=all`, `fail?status=503&after_chunks=2`.
 */
export type MockSpec = EchoSpec | FailSpec;

interface Timing {
  /** Wait before every chunk, and before a non-streamed answer. */
  latencyMs: number;
  /** Extra wait before the first chunk (and before a non-streamed answer). */
  ttftMs: number;
}

export interface EchoSpec extends Timing {
  behaviour: "echo";
  /**
   * Which offered tools a tool-call answer calls: the first (the default, also when absent) or
   * one call per function tool (`tools=all`).
   */
  tools?: ToolsMode;
}

export type ToolsMode = "first" | "all";

export interface FailSpec extends Timing {
  behaviour: "fail";
  /** The HTTP status the fake upstream answers with. */
  status: number;
  /** Chunks streamed before the failure (0: fail before the first). */
  afterChunks: number;
  /** Sent as `retry-after`, in seconds; 0 for none. */
  retryAfterS: number;
}

const PARAMS = {
  echo: ["latency_ms", "ttft_ms", "tools"],
  fail: ["latency_ms", "ttft_ms", "status", "after_chunks", "retry_after"],
} as const;

/** Parameters that take one of a few words instead of a number. */
const WORD_PARAMS: Readonly<Record<string, readonly string[]>> = { tools: ["first", "all"] };

type Behaviour = keyof typeof PARAMS;

/** Parses a mock model name; a name it cannot use is rejected as an upstream would (404/400). */
export function parseMockModel(model: string): MockSpec {
  const at = model.indexOf("?");
  const behaviour = at === -1 ? model : model.slice(0, at);
  if (!Object.hasOwn(PARAMS, behaviour)) {
    throw new GatewayError(
      "upstream_rejected",
      `mock: unknown model "${model}"; use echo or fail?status=<code> (see services/connector/README.md)`,
      {
        upstreamStatus: 404,
      },
    );
  }
  const kind = behaviour as Behaviour;
  const allowed: readonly string[] = PARAMS[kind];
  const params = new URLSearchParams(at === -1 ? "" : model.slice(at + 1));
  const values = new Map<string, number>();
  const words = new Map<string, string>();
  for (const [name, text] of params) {
    if (!allowed.includes(name)) {
      throw rejected(model, `unknown parameter "${name}" for ${behaviour} (known: ${allowed.join(", ")})`);
    }
    const choices = WORD_PARAMS[name];
    if (choices !== undefined) {
      if (!choices.includes(text)) throw rejected(model, `parameter ${name} must be one of ${choices.join(", ")} (got "${text}")`);
      words.set(name, text);
      continue;
    }
    const value = Number(text);
    if (text.trim() === "" || !Number.isInteger(value) || value < 0) {
      throw rejected(model, `parameter ${name} must be a whole number ≥ 0 (got "${text}")`);
    }
    values.set(name, value);
  }
  const timing = { latencyMs: values.get("latency_ms") ?? 0, ttftMs: values.get("ttft_ms") ?? 0 };
  if (kind === "echo") {
    const tools = words.get("tools") as ToolsMode | undefined;
    return { behaviour: kind, ...timing, ...(tools === undefined ? {} : { tools }) };
  }
  const status = values.get("status") ?? 500;
  if (status < 100 || status > 599) throw rejected(model, `status must be an HTTP status code (got ${status})`);
  return {
    behaviour: kind,
    ...timing,
    status,
    afterChunks: values.get("after_chunks") ?? 0,
    retryAfterS: values.get("retry_after") ?? 0,
  };
}

function rejected(model: string, problem: string): GatewayError {
  return new GatewayError("upstream_rejected", `mock: bad model "${model}": ${problem}`, { upstreamStatus: 400 });
}

/** The failure a `fail` model produces, mapped like a real upstream's status. */
export function mockFailure(spec: FailSpec): GatewayError {
  return errorFromStatus({
    provider: "mock",
    status: spec.status,
    message: `mock failure (status ${spec.status})`,
    retryAfter: spec.retryAfterS > 0 ? String(spec.retryAfterS) : undefined,
  });
}
