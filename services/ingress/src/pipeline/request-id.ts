import { randomBytes } from "node:crypto";

const SANE = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's x-request-id when it is short and plain; otherwise a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === "string" && SANE.test(header)) return header;
  return `req_${randomBytes(12).toString("hex")}`;
}
