// The exact-match response cache in Redis: one key scheme and one entry format for every
// process that reads or writes it (the ingress on the request path, the cache service for others).
export { ResponseCache, cacheSettingsFrom, connectCacheRedis, keyPart, scopedKey } from "./response-cache.js";
export type { CacheHit, CacheSettings, StoreResult } from "./response-cache.js";
export { decodeEntry, encodeEntry } from "./entry-codec.js";
export { PresenceIndex, connectPresenceSubscriber, storedChannel } from "./presence-index.js";
export type { PresenceEvent, PresenceIndexOptions } from "./presence-index.js";
export { Flight, Flights, decodeEvent, encodeEvent } from "./flights.js";
export type { FlightEvent, FlightLeader, FlightRole, FlightsOptions } from "./flights.js";
