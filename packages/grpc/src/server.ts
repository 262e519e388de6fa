import { once } from "node:events";
import { rmSync } from "node:fs";
import type { Http2Server, ServerHttp2Session } from "node:http2";
import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";
import { grpcServerMetrics, inSpan, SpanKind, tracingEnabled } from "@switchyard/telemetry";
import { CallCancellation, type CallContext } from "./call-context.js";
import { serviceDefinition } from "./definition.js";
import { meshAuthInterceptor, meshSecretFrom, unprotectedBindProblem } from "./mesh-auth.js";
import { type MethodRunner, runnersOf } from "./method-runner.js";
import { muxOpenDefinition } from "./mux-frames.js";
import { MuxServer } from "./mux-server.js";
import { channelOptions, FLOW_CONTROL_WINDOW_BYTES } from "./options.js";

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

export interface GrpcServerOptions {
  /**
   * The secret every call must carry (see mesh-auth.ts); SWITCHYARD_MESH_SECRET by default.
   * Without one the server only starts on a loopback host.
   */
  meshSecret?: string | undefined;
}

/** Starts a gRPC server with the given services on host:port (port 0 picks a free one). */
export async function startGrpcServer(
  host: string,
  port: number,
  register: (server: ServerRegistration) => void,
  reportError: ErrorReporter = () => {},
  /** Also listen on this Unix socket: callers on the same host skip the TCP stack (~40% less CPU per call here). */
  socketPath?: string,
  options: GrpcServerOptions = {},
): Promise<RunningServer> {
  const secret = meshSecretFrom(options.meshSecret);
  const refusal = unprotectedBindProblem(host, secret);
  if (refusal) throw Object.assign(new Error(refusal), { name: "ConfigError" });
  const server = new grpc.Server({ ...channelOptions, ...(secret ? { interceptors: [meshAuthInterceptor(secret)] } : {}) });
  let inFlight = 0;
  const track = async (work: () => Promise<void>) => {
    inFlight++;
    try {
      await work();
    } finally {
      inFlight--;
    }
  };

  const allRunners = new Map<string, MethodRunner>();
  register({
    add(service, handlers) {
      const desc = service as DescService;
      const runners = instrumented(runnersOf(desc, handlers));
      server.addService(serviceDefinition(desc), implementation(desc, runners, track, reportError));
      for (const [path, runner] of runners) allRunners.set(path, runner);
    },
  });
  const mux = new MuxServer(allRunners, {
    track,
    statusOf: (error, method) => {
      reportError(error, method);
      const status = toServiceError(error);
      return { code: status.code ?? grpc.status.INTERNAL, details: status.details ?? "" };
    },
  });
  server.addService({ open: muxOpenDefinition } as grpc.ServiceDefinition, {
    open: mux.open as grpc.handleBidiStreamingCall<unknown, unknown>,
  });

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
  widenReceiveWindows(server, FLOW_CONTROL_WINDOW_BYTES);

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

/**
 * Gives every HTTP/2 session of `server` a receive window of `bytes` per stream and per
 * connection. grpc-js reads `grpc-node.flow_control_window` on its client side only (grpc-node
 * PR #3058 would add the server side), so the window is set here on its HTTP/2 servers, which it
 * keeps in a private field; a grpc-js version without that field leaves Node's 64 KiB, and
 * `grpc.test.ts` fails.
 */
function widenReceiveWindows(server: grpc.Server, bytes: number): void {
  const http2Servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(http2Servers instanceof Map)) return;
  for (const http2Server of http2Servers.keys() as Iterable<Http2Server>) {
    http2Server.on("session", (session: ServerHttp2Session) => {
      session.settings({ initialWindowSize: bytes });
      session.setLocalWindowSize(bytes);
    });
  }
}

/** The service's runners, each call timed and (when tracing is on) in a server span. */
function instrumented(runners: Map<string, MethodRunner>): Map<string, MethodRunner> {
  return timed(tracingEnabled ? traced(runners) : runners);
}

/** Each call timed into the process's `switchyard_grpc_server_duration_seconds`, when it has a registry. */
function timed(runners: Map<string, MethodRunner>): Map<string, MethodRunner> {
  const metrics = grpcServerMetrics();
  if (!metrics) return runners;
  for (const [path, runner] of runners) {
    const run = runner.run;
    runners.set(path, {
      ...runner,
      run: async (request, context, emit) => {
        const started = performance.now();
        try {
          await run(request, context, emit);
          metrics.observe(path, grpc.status.OK, (performance.now() - started) / 1000);
        } catch (error) {
          metrics.observe(path, toServiceError(error).code ?? grpc.status.UNKNOWN, (performance.now() - started) / 1000);
          throw error;
        }
      },
    });
  }
  return runners;
}

/** Each call in a server span, child of the caller's (from `traceparent` metadata, either transport). */
function traced(runners: Map<string, MethodRunner>): Map<string, MethodRunner> {
  for (const [path, runner] of runners) {
    const run = runner.run;
    runners.set(path, {
      ...runner,
      run: (request, context, emit) =>
        inSpan(
          path,
          SpanKind.SERVER,
          context.metadata.get("traceparent")[0] as string | undefined,
          { "rpc.system": "grpc", "rpc.method": path },
          () => run(request, context, emit),
        ),
    });
  }
  return runners;
}

/** The runners as grpc-js method implementations: one gRPC call per request. */
function implementation(
  service: DescService,
  runners: ReadonlyMap<string, MethodRunner>,
  track: Tracker,
  reportError: ErrorReporter,
): grpc.UntypedServiceImplementation {
  const impl: grpc.UntypedServiceImplementation = {};
  for (const method of service.methods) {
    const path = `/${service.typeName}/${method.name}`;
    const runner = runners.get(path)!;
    if (runner.kind === "unary") {
      impl[method.localName] = (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
        const context = contextOf(call);
        void track(async () => {
          try {
            let response: unknown;
            await runner.run(call.request, context, (message) => void (response = message));
            callback(null, response);
          } catch (error) {
            reportError(error, path);
            callback(toServiceError(error));
          }
        });
      };
    } else {
      impl[method.localName] = (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const context = contextOf(call);
        const emit = async (message: unknown) => {
          if (!call.write(message)) await once(call, "drain", { signal: context.signal });
        };
        void track(async () => {
          try {
            await runner.run(call.request, context, emit);
            if (!context.cancelled) call.end();
          } catch (error) {
            if (context.cancelled) return;
            reportError(error, path);
            call.destroy(toServiceError(error) as Error);
          }
        });
      };
    }
  }
  return impl;
}

function contextOf(call: grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>): CallContext {
  const context = new CallCancellation(call.metadata);
  call.once("cancelled", () => context.cancel());
  return context;
}

function toServiceError(error: unknown): Partial<grpc.StatusObject> {
  if (error instanceof GrpcStatusError) return { code: error.code, details: error.message };
  // Internal details stay in the service's log; callers get a stable, secret-free message.
  return { code: grpc.status.INTERNAL, details: "internal error" };
}

/** Handlers for a generated service descriptor: `HandlersOf<typeof PolicyService>`. */
export type HandlersOf<S> = S extends GenService<infer M> ? ServiceHandlers<M> : never;
