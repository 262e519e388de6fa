import { randomBytes } from "node:crypto";

const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

// A random per-process prefix and a counter: unique across replicas and restarts without a
// getrandom syscall per request.
const PREFIX = `req_${randomBytes(8).toString("hex")}`;
let counter = 0;

/** The client's x-request-id when it is short and plain; otherwise a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === "string" && SANE.test(header)) return header;
  return freshRequestId();
}

/** An id no other request of any replica has. */
export function freshRequestId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PREFIX}${counter.toString(16).padStart(8, "0")}`;
}

/** The gateway's own id for a request: its request id when the gateway chose it, a fresh one when the client did. */
export function eventIdOf(requestId: string, header: string | string[] | undefined): string {
  return header === requestId ? freshRequestId() : requestId;
}
