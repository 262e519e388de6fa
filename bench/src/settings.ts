// What a bench run does and for how long: defaults for the full run, shorter ones for --quick,
// and environment overrides for either.

export const PHASES = ["paths", "images", "streams", "scaling", "soak", "profile"] as const;
export type Phase = (typeof PHASES)[number];

export interface Settings {
  quick: boolean;
  phases: Phase[];
  /** Unmeasured closed-loop warm-up before each path, seconds. */
  warmupS: number;
  /**
   * Unmeasured mixed traffic right after each mesh starts, seconds: V8 needs a few thousand
   * requests before the hot paths are optimised, and a gateway runs for days, not seconds.
   */
  meshWarmupS: number;
  /** One-request-at-a-time samples per path. */
  serialCount: number;
  /**
   * Alternating pairs of one-at-a-time runs of the full path with budget and logger running and
   * paused (each run `serialCount` requests): what the usage consumers cost a request. 0: skipped.
   */
  consumerPausePairs: number;
  /** Fixed request rates (open loop), requests/s; a rate above the measured saturation is skipped. */
  rates: number[];
  /** Seconds per fixed-rate run. */
  runS: number;
  saturationS: number;
  saturationConcurrency: number;
  /** Concurrent open streams held through the gateway. */
  openStreams: number;
  /** Rate at which they are opened (default: 500/s, or 70% of the measured stream saturation if lower). */
  openStreamsRate: number | undefined;
  /** How long each stream stays open after the last one opened (time to sample memory). */
  streamHoldExtraMs: number;
  /** Token relay: streams of `tokenChunks` content chunks, one every `tokenGapMs`, opened at `tokenRate` per second for `tokenRunS`. */
  tokenChunks: number;
  tokenGapMs: number;
  tokenRate: number;
  tokenRunS: number;
  imageBytes: number;
  imageSerialCount: number;
  /** Most image requests per second (lowered to what one-at-a-time latency suggests is reachable). */
  imageRate: number;
  imageRunS: number;
  keysSmall: number;
  keysLarge: number;
  deploymentsSmall: number;
  deploymentsLarge: number;
  /** Fixed rate of the scaling runs (default: 500/s, or half the full path's saturation if lower). */
  scaleRate: number | undefined;
  scaleRunS: number;
  scaleSaturationS: number;
  scaleSerialCount: number;
  soakS: number;
  /** Soak rate (default: 300/s, or half the full path's saturation if lower). */
  soakRate: number | undefined;
  soakSampleS: number;
  /**
   * Unmeasured soak traffic before the first live-memory reading: at least the soak's cache TTL,
   * so the cache's index and Redis already hold their steady number of entries when it is read.
   */
  soakSettleS: number;
  profileS: number;
}

function num(name: string, fallback: number): number;
function num(name: string, fallback: undefined): number | undefined;
function num(name: string, fallback: number | undefined): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number (got ${JSON.stringify(raw)})`);
  return value;
}

export const USAGE = `usage: npm run bench [-- --quick] [-- --only=paths,soak] [-- --skip=soak]

  --quick           short runs for development (about two minutes in all)
  --only=a,b        run only these phases (${PHASES.join(", ")})
  --skip=a,b        leave these phases out

Environment overrides (seconds unless noted):
  BENCH_SOAK_S          soak duration (full 600, quick 15)
  BENCH_SOAK_RPS        soak rate, requests/s (300, or half the full path's saturation if lower)
  BENCH_SOAK_SAMPLE_S   RSS sample interval during the soak (full 5, quick 2)
  BENCH_SOAK_SETTLE_S   unmeasured soak traffic before the soak's first reading (full 60, quick 3)
  BENCH_RUN_S           each fixed-rate run (full 8, quick 1.5)
  BENCH_MESH_WARMUP_S   mixed unmeasured traffic after each mesh starts (full 15, quick 6)
  BENCH_RATES           fixed rates, comma-separated (100,500,1000,2000)
  BENCH_SATURATION_S    each saturation run (full 10, quick 2)
  BENCH_CONCURRENCY     connections for saturation runs (64)
  BENCH_SERIAL          one-at-a-time samples per path (full 2000, quick 150)
  BENCH_PAUSE_PAIRS     full path one at a time with budget and logger running / paused, pairs (full 3, quick 1; 0 skips)
  BENCH_TOKEN_CHUNKS    token relay: content chunks per stream (100), BENCH_TOKEN_GAP_MS apart (2), BENCH_TOKEN_RPS streams/s (50) for BENCH_TOKEN_RUN_S (full 8, quick 2)
  BENCH_OPEN_STREAMS    concurrent open streams (1000)
  BENCH_KEYS_LARGE      keys in the large-key config (full 100000, quick 10000)
  BENCH_DEPLOYMENTS_LARGE  deployments in the large config (1000)
  BENCH_SCALE_RPS       fixed rate of the scaling runs (500, or half the full path's saturation if lower)
  BENCH_OPEN_STREAMS_RPS  rate at which the open streams are opened (500, or 70% of stream saturation)
  BENCH_PROFILE_S       profiled saturation run (full 10, quick 3)
  BENCH_KEEP_LOGS=1     keep the services' logs and generated configs (kept anyway when a run fails)
`;

export function readSettings(argv: readonly string[]): Settings {
  let quick = false;
  let only: string[] | undefined;
  let skip: string[] = [];
  for (const arg of argv) {
    if (arg === "--quick") quick = true;
    else if (arg.startsWith("--only=")) only = arg.slice(7).split(",").filter(Boolean);
    else if (arg.startsWith("--skip=")) skip = arg.slice(7).split(",").filter(Boolean);
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n\n${USAGE}`);
  }
  for (const phase of [...(only ?? []), ...skip]) {
    if (!(PHASES as readonly string[]).includes(phase)) throw new Error(`unknown phase "${phase}"; phases: ${PHASES.join(", ")}`);
  }
  const phases = PHASES.filter((p) => (only ? only.includes(p) : true) && !skip.includes(p));
  const q = <T>(full: T, short: T): T => (quick ? short : full);
  const rates = (process.env.BENCH_RATES ?? "100,500,1000,2000")
    .split(",")
    .map(Number)
    .filter((r) => Number.isFinite(r) && r > 0);
  return {
    quick,
    phases,
    warmupS: q(2, 0.5),
    meshWarmupS: num("BENCH_MESH_WARMUP_S", q(15, 6)),
    serialCount: num("BENCH_SERIAL", q(2000, 150)),
    consumerPausePairs: num("BENCH_PAUSE_PAIRS", q(3, 1)),
    rates,
    runS: num("BENCH_RUN_S", q(8, 1.5)),
    saturationS: num("BENCH_SATURATION_S", q(10, 2)),
    saturationConcurrency: num("BENCH_CONCURRENCY", 64),
    openStreams: num("BENCH_OPEN_STREAMS", 1000),
    openStreamsRate: num("BENCH_OPEN_STREAMS_RPS", undefined),
    streamHoldExtraMs: q(8_000, 6_000),
    tokenChunks: num("BENCH_TOKEN_CHUNKS", 100),
    tokenGapMs: num("BENCH_TOKEN_GAP_MS", 2),
    tokenRate: num("BENCH_TOKEN_RPS", 50),
    tokenRunS: num("BENCH_TOKEN_RUN_S", q(8, 2)),
    imageBytes: 1024 * 1024,
    imageSerialCount: q(40, 10),
    imageRate: 20,
    imageRunS: q(8, 1.5),
    keysSmall: 1000,
    keysLarge: num("BENCH_KEYS_LARGE", q(100_000, 10_000)),
    deploymentsSmall: 10,
    deploymentsLarge: num("BENCH_DEPLOYMENTS_LARGE", 1000),
    scaleRate: num("BENCH_SCALE_RPS", undefined),
    scaleRunS: q(8, 1.5),
    scaleSaturationS: q(5, 1.5),
    scaleSerialCount: q(1000, 100),
    soakS: num("BENCH_SOAK_S", q(600, 15)),
    soakRate: num("BENCH_SOAK_RPS", undefined),
    soakSampleS: num("BENCH_SOAK_SAMPLE_S", q(5, 2)),
    soakSettleS: num("BENCH_SOAK_SETTLE_S", q(60, 3)),
    profileS: num("BENCH_PROFILE_S", q(10, 3)),
  };
}
