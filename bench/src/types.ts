import type { RunResult } from "./loadgen-protocol.js";
import type { ProfileSummary } from "./profile.js";
import type { ProtocolFloor } from "./protocol-floor.js";
import type { Settings } from "./settings.js";
import type { Summary } from "./stats.js";
import type { IdlePolicy, WakeupLateness } from "./wakeups.js";

export interface Measured extends RunResult {
  /** CPU seconds each process used during the run. */
  cpuS: Record<string, number>;
  /** CPU microseconds per response, per process. */
  cpuUsPerRequest: Record<string, number>;
  /** Cores' worth of CPU that processes outside the bench used during the run (a busy machine skews results). */
  otherCores: number;
  /** New TCP connections the upstream accepted during the run (keep-alive working: near zero). */
  upstreamConnections: number;
  upstreamRequests: number;
}

export interface Skipped {
  skipped: string;
}

export interface EventCheck {
  /** Requests sent to the gateway during the run. */
  sent: number;
  responses: number;
  /** Messages added to the JetStream usage stream. */
  events: number;
  lost: number;
}

export interface PathResult {
  name: string;
  description: string;
  target: "gateway" | "upstream";
  stream: boolean;
  baseline?: string;
  serial?: Measured;
  saturation?: Measured;
  rates: Record<string, Measured | Skipped>;
  events?: EventCheck;
}

export interface Overhead {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
}

/**
 * The full path one at a time with budget and logger running, and with both paused (SIGSTOP) for
 * the length of one run, in alternating pairs: what the usage consumers' bursts (theirs, and the
 * work they set off in nats-server and Redis) cost a request that never waits for them. Events
 * sent while they are paused wait on JetStream and are worked off afterwards.
 */
export interface ConsumersPausedResult {
  pairs: { running: Measured; paused: Measured }[];
}

/**
 * Streams paced like a model's tokens, each chunk reaching the gateway on its own: what relaying
 * one chunk costs each process, the upstream alone against the gateway at the same rate.
 */
export interface TokenRelayResult {
  chunks: number;
  gapMs: number;
  rate: number;
  baseline: Measured;
  gateway: Measured;
}

export interface StreamsResult {
  requested: number;
  rate: number;
  holdMs: number;
  open: number;
  failed: number;
  openedInMs: number;
  completed: number;
  incomplete: number;
  rssBefore: Record<string, number>;
  rssDuring: Record<string, number>;
  /** 2 s after every stream ended. */
  rssAfter: Record<string, number>;
  /** (ingress + connector RSS with the streams open − before) / open streams, bytes. */
  bytesPerStream: number;
  bytesPerStreamByService: Record<string, number>;
  /**
   * Live memory of each gateway process: JS heap in use + external (Buffer) memory after two forced
   * full GCs, read through its inspector, bytes. Absent in older results.
   */
  heapBefore?: Record<string, number>;
  heapDuring?: Record<string, number>;
  heapAfter?: Record<string, number>;
  /** (ingress + connector live memory with the streams open − the lower of before and after) / open streams, bytes. */
  heapBytesPerStream?: number;
  heapBytesPerStreamByService?: Record<string, number>;
  ttft: Summary | undefined;
  run: Measured;
}

export interface ImagesResult {
  imageBytes: number;
  requestBytes: number;
  rate: number;
  baselineSerial: Measured;
  gatewaySerial: Measured;
  /** The cache on (a new body each request): the default path, image digested for the cache key. Absent in older results. */
  gatewayCacheOnSerial?: Measured;
  baselineOpen: Measured;
  gatewayOpen: Measured;
}

export interface ScalingResult {
  label: string;
  keys: number;
  deployments: number;
  startupS: number;
  /** RSS a second after the mesh was ready, before any traffic. */
  rssAfterStart: Record<string, number>;
  rate: number;
  /** Closed-loop probe, `saturationConcurrency` connections. */
  saturation: Measured;
  serial: Measured;
  open: Measured;
}

export interface SoakSample {
  tS: number;
  rss: Record<string, number>;
}

export interface SoakVerdict {
  name: string;
  startMB: number;
  /** Trough (lowest sample) of the middle third, MB. */
  midMB: number;
  /** Trough of the last third, MB. */
  lastMB: number;
  endMB: number;
  /** Last third's trough minus the middle third's, MB. */
  growthMB: number;
  /** Least-squares slope over the second half, MB per minute. */
  slopeMBPerMin: number;
  /** The RSS troughs' verdict (the only one in older results). */
  rssLevelsOff?: boolean;
  /** Live memory (JS heap + Buffers after forced full GCs) just before and just after the soak, MB, and the growth between. */
  liveStartMB?: number;
  liveEndMB?: number;
  liveGrowthMB?: number;
  /** The verdict: live memory's where it was read, else the RSS troughs'. */
  levelsOff: boolean;
  judgedBy?: "live" | "rss";
}

/** Live memory of each process read at one moment of the soak, bytes. */
export interface LiveReading {
  tS: number;
  bytes: Record<string, number>;
}

export interface SoakResult {
  durationS: number;
  /** Seconds of the same traffic, unmeasured, before the first reading (absent in older results: 0). */
  settleS?: number;
  rate: number;
  mix: string[];
  run: Measured;
  samples: SoakSample[];
  /** Just before the soak started and just after it ended (absent in older results). */
  live?: LiveReading[];
  /** TTL the soak's cache stores ask for (`x-switchyard-cache-ttl`), so the cache reaches its steady size early in the soak. */
  cacheTtlS?: number;
  verdicts: SoakVerdict[];
  verdict: string;
}

export interface ProfileResult {
  durationS: number;
  run: Measured;
  dir: string;
  summaries: Record<string, ProfileSummary>;
}

export interface TargetCheck {
  name: string;
  target: string;
  measured: string;
  pass: boolean | undefined;
}

export interface BenchResult {
  meta: {
    startedAt: string;
    finishedAt: string;
    durationS: number;
    quick: boolean;
    settings: Settings;
    machine: { cpus: number; cpuModel: string; memoryGB: number; node: string; kernel: string };
    commit?: string;
    notes: string[];
    /** Microbenchmarks of this machine at the start (compare runs across machines and days). */
    calibration: { jsonParseUs: number; sha256Us: number; loadAvg1m: number };
    /**
     * One request at a time through trivial Node processes (`relay-chain.ts`): client → echo, and
     * client → relay → relay → echo (the process hops of the full path). Absent in older results.
     */
    /** `pinned`: client → echo with both on CPU 0, and with each on its own CPU (absent where `taskset` is missing). */
    hopFloor?: { direct: Summary; twoRelays: Summary; pinned?: { oneCore: Summary; twoCores: Summary } };
    /**
     * One request at a time to the fake upstream directly, through one trivial relay process, and
     * through the full path's processes and protocols with trivial handlers (`protocol-floor.ts`).
     * Absent in older results.
     */
    protocolFloor?: ProtocolFloor;
    /** How late sleeps of 0.2 ms woke before anything else ran (`wakeups.ts`). Absent in older results. */
    wakeups?: WakeupLateness;
    /** How the CPUs sleep when idle (`/sys`). Absent in older results. */
    idlePolicy?: IdlePolicy;
    /** CPU used by processes outside the bench during measured runs, in cores. */
    otherLoad: { meanCores: number; maxCores: number };
    /** Fingerprint of the compiled services at each mesh start (the tree is shared: a rebuild mid-run shows here). */
    builds: { mesh: string; fingerprint: string; newest: string }[];
  };
  /** Rates picked at run time (from settings, or lowered to what the gateway can sustain). */
  chosen: { soakRate?: number; scaleRate?: number; imageRate?: number; openStreamsRate?: number; streamHoldMs?: number };
  mainConfig: { keys: number; deployments: number; startupS: number };
  /** CPU each process used with no traffic, ms per second (timers, metrics, heartbeats). */
  idleCpuMsPerS: Record<string, number>;
  paths: Record<string, PathResult>;
  overhead: Record<
    string,
    { vs: string; serial?: Overhead; rates: Record<string, Overhead>; ttftSerial?: Overhead; ttftRates?: Record<string, Overhead> }
  >;
  usageEvents: { saturation: Record<string, EventCheck>; mainMesh?: EventCheck };
  peakRss: Record<string, number>;
  phasePeakRss: Record<string, Record<string, number>>;
  /** Absent in older results. */
  consumersPaused?: ConsumersPausedResult;
  /** Absent in older results. */
  tokenRelay?: TokenRelayResult;
  streams?: StreamsResult;
  images?: ImagesResult;
  scaling: ScalingResult[];
  soak?: SoakResult;
  profile?: ProfileResult;
  targets: TargetCheck[];
}
