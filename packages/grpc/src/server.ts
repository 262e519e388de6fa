import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";
import { once } from "node:events";
import { rmSync } from "node:fs";
import { Multiplexer } from "@switchyard/proto";
import { serviceDefinition } from "./definition.js";
import { type MuxMethod, MuxServer } from "./mux-server.js";
import { channelOptions } from "./options.js";

/** What a handler knows of its call besides the request. */
export interface CallContext {
  /** Aborted when the caller cancels or its deadline passes. */
  readonly signal: AbortSignal;
  readonly metadata: grpc.Metadata;
}

type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;

type ServerStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  request: MessageShape<I>,
  context: CallContext,
) => AsyncIterable<MessageInitShape<O>>;

/** The handlers a service implementation provides, typed from the generated descriptor. */
export type ServiceHandlers<M extends GenServiceMethods> = {
  [K in keyof M]: M[K] extends { methodKind: "unary"; input: infer I extends DescMessage; output: infer O extends DescMessage }
    ? UnaryHandler<I, O>
    : M[K] extends { methodKind: "server_streaming"; input: infer I extends DescMessage; output: infer O extends DescMessage }
      ? ServerStreamingHandler<I, O>
      : never;
};

/** Thrown by a handler to end the call with a specific gRPC status. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export interface ServerRegistration {
  add<M extends GenServiceMethods>(service: GenService<M>, handlers: ServiceHandlers<M>): void;
}

export interface RunningServer {
  readonly port: number;
  /** Stops accepting calls, waits for in-flight calls up to `graceMs`, then cancels the rest. */
  shutdown(graceMs?: number): Promise<void>;
  /** Number of calls being served right now. */
  inFlight(): number;
}

export type ErrorReporter = (error: unknown, method: string) => void;

/** Starts a gRPC server with the given services on host:port (port 0 picks a free one). */
export async function startGrpcServer(
  host: string,
  port: number,
  register: (server: ServerRegistration) => void,
  reportError: ErrorReporter = () => {},
  /** Also listen on this Unix socket: callers on the same host skip the TCP stack (~40% less CPU per call here). */
  socketPath?: string,
): Promise<RunningServer> {
  const server = new grpc.Server(channelOptions);
  let inFlight = 0;
  const track = async (work: () => Promise<void>) => {
    inFlight++;
    try {
      await work();
    } finally {
      inFlight--;
    }
  };

  const muxMethods = new Map<string, MuxMethod>();
  register({
    add(service, handlers) {
      const desc = service as DescService;
      server.addService(serviceDefinition(desc), implementation(desc, handlers, track, reportError));
      for (const [path, method] of muxMethodsOf(desc, handlers)) muxMethods.set(path, method);
    },
  });
  const mux = new MuxServer(muxMethods, {
    track,
    cancelReason: CALL_CANCELLED,
    statusOf: (error, method) => {
      reportError(error, method);
      const status = toServiceError(error);
      return { code: status.code ?? grpc.status.INTERNAL, details: status.details ?? "" };
    },
  });
  server.addService(serviceDefinition(Multiplexer as DescService), { open: mux.open as grpc.handleBidiStreamingCall<unknown, unknown> });

  const bind = (address: string) =>
    new Promise<number>((resolve, reject) =>
      server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
    );
  const boundPort = await bind(`${host}:${port}`);
  if (socketPath) {
    // A socket file left by a process that died would refuse the bind.
    rmSync(socketPath, { force: true });
    await bind(`unix://${socketPath}`);
  }

  return {
    port: boundPort,
    inFlight: () => inFlight,
    shutdown: (graceMs = 10_000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        force.unref();
        mux.drain();
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}

type Tracker = (work: () => Promise<void>) => Promise<void>;

function implementation(
  service: DescService,
  handlers: Record<string, unknown>,
  track: Tracker,
  reportError: ErrorReporter,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (typeof handler !== "function") throw new Error(`no handler for ${service.typeName}.${method.name}`);
    const path = `${service.typeName}/${method.name}`;
    if (method.methodKind === "unary") {
      impl[method.localName] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const context = contextOf(call);
        void track(async () => {
          try {
            callback(null, await handler(call.request, context));
          } catch (error) {
            reportError(error, path);
            callback(toServiceError(error));
          }
        });
      };
    } else if (method.methodKind === "server_streaming") {
      impl[method.localName] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const context = contextOf(call);
        void track(async () => {
          try {
            for await (const message of handler(call.request, context) as AsyncIterable<unknown>) {
              if (context.signal.aborted) break;
              if (!call.write(message)) await once(call, "drain", { signal: context.signal });
            }
            if (!context.signal.aborted) call.end();
          } catch (error) {
            if (context.signal.aborted) return;
            reportError(error, path);
            call.destroy(toServiceError(error) as Error);
          }
        });
      };
    } else {
      throw new Error(`${path}: ${method.methodKind} calls are not supported`);
    }
  }
  return impl;
}

/** The same handlers, runnable for calls that arrive over a `Multiplexer.Open` stream. */
function muxMethodsOf(service: DescService, handlers: Record<string, unknown>): [string, MuxMethod][] {
  return service.methods.flatMap((method): [string, MuxMethod][] => {
    const handler = handlers[method.localName] as (request: unknown, context: CallContext) => unknown;
    const path = `/${service.typeName}/${method.name}`;
    const base = { input: method.input, output: method.output };
    if (method.methodKind === "unary") {
      return [[path, { ...base, kind: "unary", run: async (request, signal, emit) => emit(await handler(request, { signal, metadata: NO_METADATA })) }]];
    }
    if (method.methodKind === "server_streaming") {
      const run: MuxMethod["run"] = async (request, signal, emit) => {
        for await (const message of handler(request, { signal, metadata: NO_METADATA }) as AsyncIterable<unknown>) {
          if (signal.aborted) return;
          emit(message);
        }
      };
      return [[path, { ...base, kind: "server_streaming", run }]];
    }
    return [];
  });
}

const NO_METADATA = new grpc.Metadata();

/**
 * Given as the abort reason so no DOMException (with its stack trace) is built per call: grpc-js
 * reports "cancelled" for many calls, and that construction showed up in profiles.
 */
export const CALL_CANCELLED: Error = Object.freeze(Object.assign(new Error("the call was cancelled"), { name: "CallCancelled" }));

function contextOf(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): CallContext {
  const controller = new AbortController();
  call.once("cancelled", () => controller.abort(CALL_CANCELLED));
  return { signal: controller.signal, metadata: call.metadata };
}

function toServiceError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof GrpcStatusError) return { code: error.code, details: error.message };
  // Internal details stay in the service's log; callers get a stable, secret-free message.
  return { code: grpc.status.INTERNAL, details: "internal error" };
}

/** Handlers for a generated service descriptor: `HandlersOf<typeof PolicyService>`. */
export type HandlersOf<S> = S extends GenService<infer M> ? ServiceHandlers<M> : never;
