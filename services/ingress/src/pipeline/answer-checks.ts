import type { GenerateResponse } from "@switchyard/proto";
import { Ajv, type ValidateFunction } from "ajv";
import { StreamChunk } from "./answer-format.js";

const decoder = new TextDecoder();
const ajv = new Ajv({ strict: false, allErrors: false });
const compiled = new WeakMap<object, ValidateFunction | undefined>();

/** The parts of an answer the cascade checks read, from a whole completion or from chunks. */
interface AnswerView {
  content: string;
  finishReason: string;
  refusal: string;
  toolCalls: boolean;
}

/** Openings of a model declining to answer. */
const REFUSAL =
  /^\s*(I['’]m sorry|I am sorry|I apologi[sz]e|I can['’]?not|I can['’]t|I['’]m (not able|unable)|I am (not able|unable)|As an AI)\b/i;

/**
 * The first cascade check an answer fails, or undefined when it passes:
 * - empty: no text and no tool call;
 * - length: cut off by the token limit (finish_reason "length");
 * - refusal: the model's refusal field, or text that opens by declining;
 * - json_schema: the request asked for JSON (json_schema or json_object) and the text is not
 *   JSON or does not match the schema.
 */
export function failedCheck(
  checks: readonly string[],
  events: readonly GenerateResponse[],
  body: Record<string, unknown>,
): string | undefined {
  const answer = viewOf(events);
  for (const check of checks) {
    if (check === "empty" && answer.content.trim() === "" && !answer.toolCalls) return check;
    if (check === "length" && answer.finishReason === "length") return check;
    if (check === "refusal" && (answer.refusal !== "" || REFUSAL.test(answer.content))) return check;
    if (check === "json_schema" && !matchesFormat(answer, body.response_format)) return check;
  }
  return undefined;
}

function viewOf(events: readonly GenerateResponse[]): AnswerView {
  const view: AnswerView = { content: "", finishReason: "", refusal: "", toolCalls: false };
  for (const event of events) {
    if (event.event.case === "completion") {
      const completion = JSON.parse(decoder.decode(event.event.value)) as {
        choices?: { message?: { content?: string | null; refusal?: string | null; tool_calls?: unknown[] }; finish_reason?: string }[];
      };
      const choice = completion.choices?.[0];
      view.content += choice?.message?.content ?? "";
      view.refusal += choice?.message?.refusal ?? "";
      view.toolCalls ||= (choice?.message?.tool_calls?.length ?? 0) > 0;
      view.finishReason = choice?.finish_reason ?? view.finishReason;
    } else if (event.event.case === "chunk") {
      const choice = new StreamChunk(event.event.value).view.choices?.[0] as
        | { delta?: { content?: string | null; refusal?: string | null; tool_calls?: unknown[] }; finish_reason?: string | null }
        | undefined;
      view.content += choice?.delta?.content ?? "";
      view.refusal += choice?.delta?.refusal ?? "";
      view.toolCalls ||= (choice?.delta?.tool_calls?.length ?? 0) > 0;
      if (choice?.finish_reason) view.finishReason = choice.finish_reason;
    }
  }
  return view;
}

function matchesFormat(answer: AnswerView, format: unknown): boolean {
  const f = format as { type?: string; json_schema?: { schema?: object } } | undefined;
  if (f?.type !== "json_schema" && f?.type !== "json_object") return true;
  let value: unknown;
  try {
    value = JSON.parse(answer.content);
  } catch {
    return false;
  }
  const schema = f.type === "json_schema" ? f.json_schema?.schema : undefined;
  if (!schema) return typeof value === "object" && value !== null;
  if (!compiled.has(schema)) {
    try {
      compiled.set(schema, ajv.compile(schema));
    } catch {
      compiled.set(schema, undefined); // a schema Ajv cannot compile is the upstream's to judge
    }
  }
  return compiled.get(schema)?.(value) ?? true;
}
