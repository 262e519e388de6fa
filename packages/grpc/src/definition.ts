import type { DescService } from "@bufbuild/protobuf";
import { fromBinary } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { messageEncoder } from "./message-encoder.js";

const definitions = new WeakMap<DescService, ServiceDefinition>();

/**
 * Builds the grpc-js service definition for a protobuf-es service descriptor: grpc-js carries the
 * bytes, binary protobuf (no JSON pass): `messageEncoder` writes them, protobuf-es reads them.
 */
export function serviceDefinition(service: DescService): ServiceDefinition {
  const known = definitions.get(service);
  if (known) return known;
  const definition: Record<string, MethodDefinition<object, object>> = {};
  for (const method of service.methods) {
    const { input, output } = method;
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.name,
      requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
      responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
      requestSerialize: messageEncoder(input) as (message: object) => Buffer,
      requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
      responseSerialize: messageEncoder(output) as (message: object) => Buffer,
      responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
    };
  }
  definitions.set(service, definition);
  return definition;
}

/** The same bytes as a Buffer, without a copy (grpc-js writes Buffers). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
