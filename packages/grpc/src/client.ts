import type { DescMessage, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { GenService, GenServiceMethods } from "@bufbuild/protobuf/codegenv2";
import * as grpc from "@grpc/grpc-js";
import { serviceDefinition } from "./definition.js";
import { channelOptions } from "./options.js";

export interface CallOptions {
  /** Deadline for the whole call, streams included. */
  timeoutMs?: number;
  /** Cancels the call on the server too. */
  signal?: AbortSignal;
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

/** A typed client over one long-lived channel to `address` (host:port). */
export function createClient<M extends GenServiceMethods>(service: GenService<M>, address: string): ServiceClient<M> {
  const desc = service as DescService;
  const Constructor = grpc.makeGenericClientConstructor(serviceDefinition(desc), desc.typeName);
  const client = new Constructor(address, grpc.credentials.createInsecure(), channelOptions);
  const methods: Record<string, unknown> = {};

  for (const method of desc.methods) {
    const path = `/${desc.typeName}/${method.name}`;
    const definition = serviceDefinition(desc)[method.localName]!;
    if (method.methodKind === "unary") {
      methods[method.localName] = (request: unknown, options: CallOptions = {}) =>
        new Promise((resolve, reject) => {
          const call = client.makeUnaryRequest(
            path,
            definition.requestSerialize,
            definition.responseDeserialize,
            request,
            new grpc.Metadata(),
            callOptions(options),
            (error, response) => (error ? reject(error) : resolve(response)),
          );
          bindSignal(options.signal, () => call.cancel());
        });
    } else if (method.methodKind === "server_streaming") {
      methods[method.localName] = (request: unknown, options: CallOptions = {}) => {
        const call = client.makeServerStreamRequest(
          path,
          definition.requestSerialize,
          definition.responseDeserialize,
          request,
          new grpc.Metadata(),
          callOptions(options),
        );
        bindSignal(options.signal, () => call.cancel());
        return call;
      };
    }
  }

  const handle: ClientHandle = {
    address,
    isReady: () => client.getChannel().getConnectivityState(true) === grpc.connectivityState.READY,
    waitForReady: (timeoutMs) =>
      new Promise((resolve, reject) =>
        client.waitForReady(Date.now() + timeoutMs, (error) => (error ? reject(error) : resolve())),
      ),
    close: () => client.close(),
  };
  return Object.assign(methods, handle) as ServiceClient<M>;
}

function callOptions(options: CallOptions): grpc.CallOptions {
  return options.timeoutMs ? { deadline: Date.now() + options.timeoutMs } : {};
}

function bindSignal(signal: AbortSignal | undefined, cancel: () => void): void {
  if (!signal) return;
  if (signal.aborted) cancel();
  else signal.addEventListener("abort", cancel, { once: true });
}

/** True for errors that mean "the peer could not be reached or gave up", which another replica may not. */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: number } | null)?.code;
  return code === grpc.status.UNAVAILABLE || code === grpc.status.DEADLINE_EXCEEDED;
}

export { status as GrpcStatus } from "@grpc/grpc-js";

/** Client type for a generated service descriptor: `ClientOf<typeof PolicyService>`. */
export type ClientOf<S> = S extends GenService<infer M> ? ServiceClient<M> : never;
