import { create, type DescMessage, type DescService, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

const definitions = new WeakMap<DescService, ServiceDefinition>();

/**
 * Builds the grpc-js service definition for a protobuf-es service descriptor: grpc-js carries the
 * bytes, binary protobuf (no JSON pass) written and read by protobuf-es.
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
      requestSerialize: encoderOf(input) as (message: object) => Buffer,
      requestDeserialize: (bytes: Buffer) => fromBinary(input, bytes),
      responseSerialize: encoderOf(output) as (message: object) => Buffer,
      responseDeserialize: (bytes: Buffer) => fromBinary(output, bytes),
    };
  }
  definitions.set(service, definition);
  return definition;
}

/** The binary encoding of a message of `schema`, from the message or its init (missing fields are defaults). */
export function encoderOf<Desc extends DescMessage>(schema: Desc): (init: MessageInitShape<Desc>) => Buffer {
  return (init) => asBuffer(toBinary(schema, create(schema, init)));
}

/** The same bytes as a Buffer, without a copy (grpc-js writes Buffers). */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
