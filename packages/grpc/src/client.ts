import { type DescMessage, type DescService, fromBinary, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";
import { activeTraceparent } from "@switchyard/telemetry";
import type { Cancellable } from "./call-context.js";
import { asBuffer, encoderOf, serviceDefinition } from "./definition.js";
import { callMetadata, meshSecretFrom } from "./mesh-auth.js";
import { MuxChannel, muxServerStream, muxUnary } from "./mux-client.js";
import { channelOptions } from "./options.js";

export interface CallOptions {
  /** Deadline for the whole call, streams included. */
  timeoutMs?: number;
  /** Cancels the call, on the server too. */
  cancellation?: Cancellable;
}

type UnaryMethod<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;

type ServerStreamingMethod<I extends DescMessage, O extends DescMessage> = (
  request: MessageInitShape<I>,
  options?: CallOptions,
) => AsyncIterable<MessageShape<O>>;

export type ServiceMethods<M extends GenServiceMethods> = {
  [K in keyof M]: M[K] extends { methodKind: "unary"; input: infer I extends DescMessage; output: infer O extends DescMessage }
    ? UnaryMethod<I, O>
    : M[K] extends { methodKind: "server_streaming"; input: infer I extends DescMessage; output: infer O extends DescMessage }
      ? ServerStreamingMethod<I, O>
      : never;
};

export interface ClientHandle {
  readonly address: string;
  /** Resolves once the channel is connected, rejects after `timeoutMs`. */
  waitForReady(timeoutMs: number): Promise<void>;
  isReady(): boolean;
  close(): void;
}

export type ServiceClient<M extends GenServiceMethods> = ServiceMethods<M> & ClientHandle;

export interface ClientOptions {
  /**
   * Send small calls over one shared `Multiplexer.Open` stream instead of a gRPC call each
   * (default true). Every Switchyard server accepts both.
   */
  multiplex?: boolean;
  /** Sent with every call (and once per multiplexed stream); SWITCHYARD_MESH_SECRET by default. */
  meshSecret?: string | undefined;
}

/** Requests larger than this get a gRPC call of their own, so one big body never holds up the shared stream. */
export const MUX_MAX_REQUEST_BYTES = 64 * 1024;

/** A typed client over one long-lived channel to `address` (host:port or unix:///path). */
export function createClient<M extends GenServiceMethods>(
  service: GenService<M>,
  address: string,
  options: ClientOptions = {},
): ServiceClient<M> {
  const desc = service as DescService;
  const Constructor = grpc.makeGenericClientConstructor(serviceDefinition(desc), desc.typeName);
  const client = new Constructor(address, grpc.credentials.createInsecure(), channelOptions);
  const metadata = callMetadata(meshSecretFrom(options.meshSecret));
  const mux = options.multiplex === false ? undefined : new MuxChannel(client, metadata);
  const methods: Record<string, unknown> = {};

  for (const method of desc.methods) {
    const path = `/${desc.typeName}/${method.name}`;
    const { input, output } = method;
    const encode = encoderOf(input) as (request: unknown) => Uint8Array;
    const decode = (bytes: Uint8Array) => fromBinary(output, bytes);
    if (method.methodKind === "unary") {
      methods[method.localName] = (request: unknown, options: CallOptions = {}) => {
        const bytes = encode(request);
        if (mux && bytes.byteLength <= MUX_MAX_REQUEST_BYTES) return muxUnary(mux, path, bytes, decode, options);
        return new Promise((resolve, reject) => {
          const call = client.makeUnaryRequest(
            path,
            asBuffer,
            decode,
            bytes,
            metadataOf(metadata),
            callOptions(options),
            (error, response) => (error ? reject(error) : resolve(response)),
          );
          options.cancellation?.onCancel(() => call.cancel());
        });
      };
    } else if (method.methodKind === "server_streaming") {
      methods[method.localName] = (request: unknown, options: CallOptions = {}) => {
        const bytes = encode(request);
        if (mux && bytes.byteLength <= MUX_MAX_REQUEST_BYTES) return muxServerStream(mux, path, bytes, decode, options);
        const call = client.makeServerStreamRequest(path, asBuffer, decode, bytes, metadataOf(metadata), callOptions(options));
        options.cancellation?.onCancel(() => call.cancel());
        return call;
      };
    }
  }

  const handle: ClientHandle = {
    address,
    isReady: () => client.getChannel().getConnectivityState(true) === grpc.connectivityState.READY,
    waitForReady: (timeoutMs) =>
      new Promise((resolve, reject) => client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve()))),
    close: () => {
      mux?.close();
      client.close();
    },
  };
  return Object.assign(methods, handle) as ServiceClient<M>;
}

/** A call's metadata: the mesh secret, and the caller's trace context when it is traced. */
function metadataOf(base: () => grpc.Metadata): grpc.Metadata {
  const metadata = base();
  const traceparent = activeTraceparent();
  if (traceparent) metadata.set("traceparent", traceparent);
  return metadata;
}

function callOptions(options: CallOptions): grpc.CallOptions {
  return options.timeoutMs ? { deadline: Date.now() + options.timeoutMs } : {};
}

/** True for errors that mean "the peer could not be reached or gave up", which another replica may not. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: number } | null)?.code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

export { status as GrpcStatus } from "@grpc/grpc-js";

/** Client type for a generated service descriptor: `ClientOf<typeof PolicyService>`. */
export type ClientOf<S> = S extends GenService<infer M> ? ServiceClient<M> : never;
