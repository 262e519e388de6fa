import { isIP } from "node:net";
import { type GatewayConfig, sha256Hex } from "./resolve.js";

/** The well-known local admin key; never acceptable off loopback. */
export const DEV_ADMIN_KEY = "sk-switchyard-dev";

export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1" || host === "[::1]";
}

/** Explains why the config must not be served on `host`, or returns undefined when it may. */
export function exposureProblem(config: GatewayConfig, host: string): string | undefined {
  if (isLoopback(host)) return undefined;
  const devKey = sha256Hex(DEV_ADMIN_KEY);
  const offender = config.keys.find((k) => k.key_sha256 === devKey);
  if (!offender) return undefined;
  return devKeyRefusal(offender.name, host, config.source);
}

/** Why the gateway will not listen on `host`: the key named `keyName` is the development key. */
export function devKeyRefusal(keyName: string | undefined, host: string, configSource: string): string {
  const key = keyName ? `key "${keyName}"` : "a key";
  return `${key} is the public development key ${DEV_ADMIN_KEY}; refusing to listen on ${host}. Replace it in ${configSource} or bind to 127.0.0.1.`;
}
