import { createHash } from "node:crypto";
import { GatewayError } from "@switchyard/errors";
import type { ChatRequestJson } from "../types.js";
import { isJsonObject, sampleJson } from "./json-schema-sample.js";
import type { ToolsMode } from "./model-spec.js";
import { messagesOf, messageText } from "./text.js";

/** A function tool the request offers. */
export interface FunctionTool {
  name: string;
  /** The JSON schema of its arguments, as sent (may be absent). */
  parameters: unknown;
}

/** One entry of an assistant message's `tool_calls`. */
export interface ToolCallJson {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
}

export interface ToolCallOptions {
  requestId: string;
  /** `first`: one call; `all`: one per offered tool (unless `parallel_tool_calls: false` or a forced tool). */
  mode: ToolsMode;
  /** Put into free-text string arguments: the last user message's text. */
  text: string;
}

/**
 * The tool calls the echo model answers with, or undefined when it answers with text: it calls
 * when function tools are offered, `tool_choice` is not `"none"`, and the last message is the
 * user's. A `tool_choice` naming a function calls that one; `allowed_tools` narrows the choice.
 */
export function planToolCalls(request: ChatRequestJson, options: ToolCallOptions): ToolCallJson[] | undefined {
  const tools = functionTools(request);
  if (tools.length === 0) return undefined;
  if (messagesOf(request).at(-1)?.role !== "user") return undefined;
  const choice = chooseTools(tools, request.tool_choice);
  if (choice.tools.length === 0) return undefined;
  const several = !choice.forced && options.mode === "all" && request.parallel_tool_calls !== false;
  const called = several ? choice.tools : choice.tools.slice(0, 1);
  return called.map((tool, index) => ({
    id: toolCallId(options.requestId, index),
    type: "function",
    function: { name: tool.name, arguments: JSON.stringify(toolArguments(tool, options.text)) },
  }));
}

/** Arguments conforming to the tool's `parameters`; always an object (`{}` without parameters). */
function toolArguments(tool: FunctionTool, text: string): { [key: string]: unknown } {
  const value = sampleJson(tool.parameters ?? { type: "object" }, { text });
  return isJsonObject(value) ? value : {};
}

/** The text of the last message when it is a tool result (`role: "tool"`), else undefined. */
export function toolResultText(request: ChatRequestJson): string | undefined {
  const last = messagesOf(request).at(-1);
  return last?.role === "tool" ? messageText(last) : undefined;
}

/** `call_` and 24 hex digits of a hash of the request id and the call's index: stable per request. */
export function toolCallId(requestId: string, index: number): string {
  return `call_${createHash("sha256").update(`${requestId}\u0000${index}`).digest("hex").slice(0, 24)}`;
}

/** The request's `tools` of `type: "function"` that have a name, in order. */
export function functionTools(request: ChatRequestJson): FunctionTool[] {
  if (!Array.isArray(request.tools)) return [];
  const tools: FunctionTool[] = [];
  for (const tool of request.tools as unknown[]) {
    if (!isJsonObject(tool) || tool.type !== "function" || !isJsonObject(tool.function)) continue;
    const { name, parameters } = tool.function;
    if (typeof name === "string" && name !== "") tools.push({ name, parameters });
  }
  return tools;
}

function chooseTools(tools: FunctionTool[], toolChoice: unknown): { tools: FunctionTool[]; forced: boolean } {
  if (toolChoice === "none") return { tools: [], forced: false };
  if (!isJsonObject(toolChoice)) return { tools, forced: false }; // absent, "auto", "required"
  if (toolChoice.type === "function") {
    const name = isJsonObject(toolChoice.function) ? toolChoice.function.name : undefined;
    const tool = tools.find((t) => t.name === name);
    if (tool === undefined) {
      throw new GatewayError(
        "upstream_rejected",
        `Invalid value for 'tool_choice': function '${String(name)}' is not among the request's tools.`,
        {
          param: "tool_choice",
          upstreamStatus: 400,
        },
      );
    }
    return { tools: [tool], forced: true };
  }
  if (toolChoice.type === "allowed_tools" && isJsonObject(toolChoice.allowed_tools) && Array.isArray(toolChoice.allowed_tools.tools)) {
    const allowed = new Set(
      toolChoice.allowed_tools.tools.flatMap((t: unknown) =>
        isJsonObject(t) && t.type === "function" && isJsonObject(t.function) ? [t.function.name] : [],
      ),
    );
    return { tools: tools.filter((t) => allowed.has(t.name)), forced: false };
  }
  return { tools: [], forced: false }; // a custom tool or a type this mock does not call
}
