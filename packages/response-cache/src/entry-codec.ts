/**
 * A cache entry in Redis: the deployment id, a newline, then the response body bytes. One value,
 * one round trip, no JSON pass over a body that may be large.
 */
export function encodeEntry(deploymentId: string, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${deploymentId}\n`), body]);
}

export function decodeEntry(value: Buffer): { deploymentId: string; body: Uint8Array } | undefined {
  const newline = value.indexOf(10);
  if (newline < 0) return undefined;
  return { deploymentId: value.subarray(0, newline).toString(), body: value.subarray(newline + 1) };
}
