import { type Static, Type as T } from "@sinclair/typebox";

// The `observability` section: the request log, per-request log lines and metric label limits.
// Where the request log is stored is deployment, not config: SWITCHYARD_LOG_DB and SWITCHYARD_DATA_DIR.

export const RequestLogSchema = T.Object(
  {
    max_age_days: T.Optional(T.Number({ exclusiveMinimum: 0, default: 30, description: "rows older than this are deleted" })),
    max_rows: T.Optional(T.Integer({ minimum: 1000, default: 1_000_000, description: "beyond this many rows the oldest are deleted" })),
  },
  { additionalProperties: false, default: {}, description: "the logger's queryable request log (`GET /admin/logs`)" },
);

export const AccessLogSchema = T.Object(
  {
    sample_rate: T.Optional(
      T.Number({
        minimum: 0,
        maximum: 1,
        default: 1,
        description: "share of successful requests that write a log line at info; failed ones always do",
      }),
    ),
  },
  {
    additionalProperties: false,
    default: {},
    description: "one log line per request (`request_id`, key, model, deployment, status, latency)",
  },
);

export const MetricsSchema = T.Object(
  {
    max_key_labels: T.Optional(
      T.Integer({ minimum: 1, default: 50, description: "key names that get their own metric labels; later keys count under `other`" }),
    ),
  },
  { additionalProperties: false, default: {}, description: "Prometheus metrics on each service's ops port" },
);

export const ObservabilitySchema = T.Object(
  {
    request_log: T.Optional(RequestLogSchema),
    access_log: T.Optional(AccessLogSchema),
    metrics: T.Optional(MetricsSchema),
  },
  { additionalProperties: false, default: {}, description: "request log, log lines and metrics" },
);

export type ObservabilityFile = Static<typeof ObservabilitySchema>;

/** The section with every default filled in. */
export interface ObservabilityConfig {
  request_log: Required<Static<typeof RequestLogSchema>>;
  access_log: Required<Static<typeof AccessLogSchema>>;
  metrics: Required<Static<typeof MetricsSchema>>;
}
