import type { DescService } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

const definitions = new WeakMap<DescService, ServiceDefinition>();

/**
 * Builds the grpc-js service definition for a protobuf-es service descriptor: grpc-js carries the
 * bytes, protobuf-es encodes them (binary on the wire, no JSON pass).
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
      requestSerialize: (message: object) => asBuffer(toBinary(input, create(input, message as never))),
      requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
      responseSerialize: (message: object) => asBuffer(toBinary(output, create(output, message as never))),
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
