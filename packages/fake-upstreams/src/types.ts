import type { IncomingHttpHeaders } from "node:http";

/** One request a fake upstream received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or its text when it is not JSON. */
  body: unknown;
}

/** A local server speaking one provider's wire format; the upstream model name picks its behaviour. */
export interface FakeUpstream {
  /** Base URL to put in `api_base`. */
  url: string;
  requests: RecordedRequest[];
  /** Client connections closed before the answer finished. */
  disconnects: number;
  close(): Promise<void>;
}
