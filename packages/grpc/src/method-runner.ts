import type { DescMessage, DescService } from "@bufbuild/protobuf";
import type { CallContext } from "./call-context.js";
import { encoderOf } from "./definition.js";

/**
 * A method's handler adapted once for both transports (its own gRPC method and multiplexed
 * calls): each response message goes to `emit`, which a transport may make wait for room.
 */
export interface MethodRunner {
  input: DescMessage;
  output: DescMessage;
  /** The binary encoding of a response message (or init). */
  encode: (message: unknown) => Uint8Array;
  kind: "unary" | "server_streaming";
  /** Runs the handler to its end, or until the signal aborts. Throws what the handler throws. */
  run(request: unknown, context: CallContext, emit: (message: unknown) => void | Promise<void>): Promise<void>;
}

/** The runners of a service's methods, by full gRPC path ("/pkg.Service/Method"). */
export function runnersOf(service: DescService, handlers: Record<string, unknown>): Map<string, MethodRunner> {
  const runners = new Map<string, MethodRunner>();
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (typeof handler !== "function") throw new Error(`no handler for ${service.typeName}.${method.name}`);
    const path = `/${service.typeName}/${method.name}`;
    const base = { input: method.input, output: method.output, encode: encoderOf(method.output) as (message: unknown) => Uint8Array };
    if (method.methodKind === "unary") {
      runners.set(path, { ...base, kind: "unary", run: async (request, context, emit) => emit(await handler(request, context)) });
    } else if (method.methodKind === "server_streaming") {
      const run: MethodRunner["run"] = async (request, context, emit) => {
        for await (const message of handler(request, context) as AsyncIterable<unknown>) {
          if (context.cancelled) return;
          await emit(message);
        }
      };
      runners.set(path, { ...base, kind: "server_streaming", run });
    } else {
      throw new Error(`${path}: ${method.methodKind} calls are not supported`);
    }
  }
  return runners;
}
