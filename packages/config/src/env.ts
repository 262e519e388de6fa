import { type Static, Type as T } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "./errors.js";

/** Default ports, one pair per service: gRPC for calls, ops for /healthz, /readyz and /metrics. */
export const SERVICE_PORTS = {
  ingress: { http: 8080, ops: 9000 },
  policy: { grpc: 7001, ops: 9001 },
  cache: { grpc: 7002, ops: 9002 },
  router: { grpc: 7003, ops: 9003 },
  budget: { ops: 9004 },
  logger: { ops: 9005 },
  connector: { grpc: 7010, ops: 9010 },
} as const;

/**
 * Flags for `node` (before the entry point) of the services that carry request bodies: a floor
 * under V8's old-generation limit, so a stream of large bodies (external memory) does not set off
 * a full GC every few requests. A V8 flag that NODE_OPTIONS does not accept: the launcher, the
 * Dockerfile, compose and Kubernetes pass it on the command line, and test/src/deploy.test.ts
 * holds them to this list.
 */
export const SERVICE_NODE_FLAGS: Readonly<Partial<Record<keyof typeof SERVICE_PORTS, readonly string[]>>> = {
  ingress: ["--initial-old-space-size=64"],
  connector: ["--initial-old-space-size=64"],
};

const Port = T.String({ pattern: "^[0-9]{1,5}$" });
const Address = T.String({ pattern: "^(unix:.+|[^\\s:]+:[0-9]{1,5})$", description: "host:port or unix:///path/to.sock" });

/** Every environment variable a service reads, declared once. */
export const EnvSchema = T.Object({
  SWITCHYARD_CONFIG: T.String({ default: "config/switchyard.yaml" }),
  SWITCHYARD_HOST: T.String({ default: "127.0.0.1" }),
  SWITCHYARD_PORT: T.String({ ...Port, default: String(SERVICE_PORTS.ingress.http) }),
  NATS_URL: T.String({ default: "nats://127.0.0.1:4222" }),
  REDIS_URL: T.String({ pattern: "^rediss?://", default: "redis://127.0.0.1:6379" }),
  SWITCHYARD_REDIS_PREFIX: T.String({ default: "switchyard:" }),
  SWITCHYARD_POLICY_ADDR: T.String({ ...Address, default: `127.0.0.1:${SERVICE_PORTS.policy.grpc}` }),
  SWITCHYARD_CACHE_ADDR: T.String({ ...Address, default: `127.0.0.1:${SERVICE_PORTS.cache.grpc}` }),
  SWITCHYARD_ROUTER_ADDR: T.String({ ...Address, default: `127.0.0.1:${SERVICE_PORTS.router.grpc}` }),
  /**
   * The shared secret every gRPC call between services carries (the same value on every service);
   * a service refuses to serve gRPC off loopback without it. `npm start` makes one per mesh.
   */
  SWITCHYARD_MESH_SECRET: T.Optional(T.String({ minLength: 16 })),
  GRPC_HOST: T.String({ default: "127.0.0.1" }),
  GRPC_PORT: T.Optional(Port),
  /** A Unix socket to serve gRPC on as well, for callers on the same host. */
  GRPC_SOCKET: T.Optional(T.String({ minLength: 1 })),
  OPS_PORT: T.Optional(Port),
  PROVIDER: T.Optional(T.String({ minLength: 1 })),
  /** The providers one connector process serves, comma-separated (overrides PROVIDER). */
  PROVIDERS: T.Optional(T.String({ minLength: 1 })),
  CONNECTOR_ADVERTISE_HOST: T.Optional(T.String({ minLength: 1 })),
  /** Ingress: time a client has to send its request line and headers (slow-loris bound). */
  SWITCHYARD_HEADERS_TIMEOUT_MS: T.String({ pattern: "^[1-9][0-9]{0,8}$", default: "10000" }),
  /** Ingress: time a client has to send its whole request, body included. */
  SWITCHYARD_REQUEST_TIMEOUT_MS: T.String({ pattern: "^[1-9][0-9]{0,8}$", default: "60000" }),
  /** Ingress: how long an idle keep-alive connection stays open. */
  SWITCHYARD_KEEPALIVE_TIMEOUT_MS: T.String({ pattern: "^[1-9][0-9]{0,8}$", default: "72000" }),
  /** Ingress: open client connections in total. */
  SWITCHYARD_MAX_CONNECTIONS: T.String({ pattern: "^[1-9][0-9]{0,8}$", default: "10000" }),
  /** Ingress: open connections from one client address. */
  SWITCHYARD_MAX_CONNECTIONS_PER_IP: T.String({ pattern: "^[1-9][0-9]{0,8}$", default: "256" }),
  /** The request log's database: unset or `sqlite:<file>` for SQLite, `postgres://…` for PostgreSQL. */
  SWITCHYARD_LOG_DB: T.Optional(T.String({ pattern: "^(sqlite:.+|postgres(ql)?://.+)$" })),
  /** Where services keep files (the SQLite request log). */
  SWITCHYARD_DATA_DIR: T.String({ default: ".switchyard/data" }),
  /** The logger's ops endpoint, which serves the request log to the ingress. */
  SWITCHYARD_LOGGER_URL: T.String({ pattern: "^https?://", default: `http://127.0.0.1:${SERVICE_PORTS.logger.ops}` }),
  LOG_LEVEL: T.Union(
    ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => T.Literal(l)),
    { default: "info" },
  ),
});

export type Env = Static<typeof EnvSchema>;

/** Reads the environment; an unusable value is a ConfigError naming the variable. */
export function readEnv(env: Record<string, string | undefined> = process.env): Env {
  const known = Object.fromEntries(
    Object.keys(EnvSchema.properties)
      .filter((name) => env[name] !== undefined && env[name] !== "")
      .map((name) => [name, env[name]]),
  );
  const withDefaults = Value.Default(EnvSchema, known);
  const issues = [...Value.Errors(EnvSchema, withDefaults)].map((e) => ({
    path: e.path.slice(1),
    message: `${e.message.toLowerCase()} (got ${JSON.stringify(e.value)})`,
  }));
  if (issues.length > 0) throw new ConfigError("environment", issues);
  return withDefaults as Env;
}

export function portOf(value: string | undefined, fallback: number): number {
  return value === undefined ? fallback : Number(value);
}
