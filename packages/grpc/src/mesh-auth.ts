import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import * as grpc from "@grpc/grpc-js";

/** Metadata key that carries the mesh's shared secret on every call and multiplexed stream. */
export const MESH_SECRET_HEADER = "x-switchyard-mesh-secret";

/** The environment variable every service reads the secret from (declared in @switchyard/config's EnvSchema). */
export const MESH_SECRET_ENV = "SWITCHYARD_MESH_SECRET";

/** Shorter secrets are refused: the secret is the only thing between a reachable port and the providers' keys. */
export const MESH_SECRET_MIN_LENGTH = 16;

/** The configured secret (explicit, else SWITCHYARD_MESH_SECRET), or undefined when there is none. */
export function meshSecretFrom(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const secret = explicit ?? env[MESH_SECRET_ENV];
  if (secret === undefined || secret === "") return undefined;
  if (secret.length < MESH_SECRET_MIN_LENGTH) {
    throw Object.assign(
      new Error(`${MESH_SECRET_ENV} must be at least ${MESH_SECRET_MIN_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`),
      {
        name: "ConfigError",
      },
    );
  }
  return secret;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Compares a presented secret with the expected one in constant time (both hashed first, so lengths match too). */
export function secretMatcher(secret: string): (presented: string | undefined) => boolean {
  const expected = digest(secret);
  return (presented) => presented !== undefined && timingSafeEqual(digest(presented), expected);
}

/**
 * A server interceptor that ends every call whose metadata lacks the mesh secret as
 * UNAUTHENTICATED before its handler runs. Multiplexed calls ride one `Multiplexer.Open` stream,
 * which is checked here once, when it opens.
 */
export function meshAuthInterceptor(secret: string): grpc.ServerInterceptor {
  const matches = secretMatcher(secret);
  return (_method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, forward) => {
            const presented = metadata.get(MESH_SECRET_HEADER)[0];
            if (matches(typeof presented === "string" ? presented : undefined)) {
              metadata.remove(MESH_SECRET_HEADER);
              forward(metadata);
            } else {
              call.sendStatus({
                code: grpc.status.UNAUTHENTICATED,
                details: "missing or wrong mesh secret",
                metadata: new grpc.Metadata(),
              });
            }
          },
        }),
    });
}

/** Metadata for a client's calls: a fresh copy per call, carrying the secret when there is one. */
export function callMetadata(secret: string | undefined): () => grpc.Metadata {
  if (secret === undefined) return () => new grpc.Metadata();
  const base = new grpc.Metadata();
  base.set(MESH_SECRET_HEADER, secret);
  return () => base.clone();
}

/** True for hosts only this machine can reach. Mirrors @switchyard/config's isLoopback, which this package does not depend on. */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "[::1]";
}

/** Why a gRPC server must not start on `host` without a secret, or undefined when it may. */
export function unprotectedBindProblem(host: string, secret: string | undefined): string | undefined {
  if (secret !== undefined || isLoopbackHost(host)) return undefined;
  return `refusing to serve gRPC on ${host} without ${MESH_SECRET_ENV}: anyone who reaches the port could call the service. Set ${MESH_SECRET_ENV} (the same value on every service) or bind GRPC_HOST to 127.0.0.1.`;
}
