import type { ProviderConfig } from "@switchyard/config";
import type { FakeUpstream } from "@switchyard/fake-upstreams";

/** What a provider's API has no notion of; the conformance suite skips those checks for it. */
export type ConformanceFeature =
  | "embeddings"
  | "tools"
  | "blocked"
  | "context-length"
  | "mid-stream-error"
  | "rate-limits"
  | "auth"
  | "http";

/** One provider kind as the conformance suite runs it: its fake upstream and a config pointing at it. */
export interface ConformanceTarget {
  kind: string;
  /** Names the suite when a kind runs more than once (e.g. Azure's two URL schemes); default: `kind`. */
  label?: string;
  start: () => Promise<FakeUpstream>;
  config: (fake: FakeUpstream) => ProviderConfig;
  lacks: ConformanceFeature[];
  /** The upstream model name for one of the fakes' behaviours (echo, tool, status-429…); default: that name. */
  model?: (behaviour: string) => string;
}
