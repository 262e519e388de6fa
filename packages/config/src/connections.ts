import { type Static, Type as T } from "@sinclair/typebox";

/** Bounds on the ingress's public port, so slow or numerous connections cannot hold it. */
export const ConnectionsSchema = T.Object(
  {
    headers_timeout_ms: T.Optional(
      T.Integer({
        minimum: 1_000,
        default: 10_000,
        description: "time a client has to send a request's line and headers; a connection still sending them then is closed",
      }),
    ),
    max_total: T.Optional(
      T.Integer({
        minimum: 1,
        default: 10_000,
        description: "open client connections the ingress holds in all; further ones are closed at once",
      }),
    ),
    max_per_client: T.Optional(
      T.Integer({
        minimum: 0,
        default: 1_000,
        description:
          "open connections from one client address; further ones are closed at once. Behind a proxy every client shares its address: raise it, or 0 turns it off",
      }),
    ),
  },
  { additionalProperties: false, default: {}, description: "client connections to the ingress's public port" },
);

export type ConnectionsFile = Static<typeof ConnectionsSchema>;
