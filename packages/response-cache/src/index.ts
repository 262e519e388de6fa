// The exact-match response cache in Redis: one key scheme and one entry format for every
// process that reads or writes it (the ingress on the request path, the cache service for others).

export { decodeEntry, encodeEntry } from "./entry-codec.js";
export type { FlightEvent, FlightLeader, FlightRole, FlightsOptions } from "./flights.js";
export { decodeEvent, encodeEvent, Flight, Flights } from "./flights.js";
export type { PresenceEvent, PresenceIndexOptions } from "./presence-index.js";
export { connectPresenceSubscriber, PresenceIndex, storedChannel } from "./presence-index.js";
export type { CacheHit, CacheSettings, StoreResult } from "./response-cache.js";
export { cacheSettingsFrom, connectCacheRedis, keyPart, ResponseCache, scopedKey } from "./response-cache.js";
