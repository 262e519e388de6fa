import { createHash } from "node:crypto";
import type { GatewayConfig, KeyConfig } from "@switchyard/config";
import { GatewayError } from "@switchyard/errors";

export interface Principal {
  keyName: string;
  role: KeyConfig["role"];
  team: string;
  allowedModels: string[];
}

/** Virtual keys, held only as SHA-256 digests. Pure lookups: no I/O. */
export class KeyStore {
  private readonly byDigest: Map<string, KeyConfig>;

  constructor(keys: readonly KeyConfig[]) {
    this.byDigest = new Map(keys.map((k) => [k.key_sha256, k]));
  }

  static fromConfig(config: GatewayConfig): KeyStore {
    return new KeyStore(config.keys);
  }

  /** The principal behind `apiKey` if it may use `model` (empty model: any model-independent call). */
  authorize(apiKey: string, model: string): Principal {
    if (!apiKey) {
      throw new GatewayError("missing_api_key", "Missing API key. Send it as `Authorization: Bearer <key>`.");
    }
    const key = this.byDigest.get(createHash("sha256").update(apiKey).digest("hex"));
    if (!key) throw new GatewayError("invalid_api_key", `Incorrect API key provided: ${mask(apiKey)}.`);
    if (model && key.models.length > 0 && !key.models.includes(model)) {
      throw new GatewayError("model_not_allowed", `Key "${key.name}" may not use model "${model}".`, { param: "model" });
    }
    return { keyName: key.name, role: key.role, team: key.team, allowedModels: key.models };
  }
}

/** Shows enough of a key to recognise it, never enough to use it. */
export function mask(apiKey: string): string {
  return apiKey.length <= 8 ? "****" : `${apiKey.slice(0, 3)}****${apiKey.slice(-4)}`;
}
