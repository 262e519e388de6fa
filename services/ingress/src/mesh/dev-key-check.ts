import { DEV_ADMIN_KEY, devKeyRefusal } from "@switchyard/config";
import type { Logger } from "@switchyard/telemetry";
import type { MeshClients } from "./clients.js";

export interface DevKeyCheckOptions {
  /** How long to keep asking a policy service that does not answer. */
  giveUpMs?: number;
  retryMs?: number;
}

/**
 * Why the ingress must not listen on `host`: the well-known development key works there. Policy
 * holds the keys, so it is asked (the ingress itself never parses the key list, which can be
 * hundreds of megabytes once parsed). Any answer but "invalid API key" means the key exists (it may merely be
 * over budget or limited to some models). Undefined when the key does not work. Throws when policy
 * has not answered within `giveUpMs`: without the answer the ingress cannot know it is safe.
 */
export async function devKeyExposure(
  policy: Pick<MeshClients["policy"], "authorize">,
  host: string,
  configPath: string,
  logger: Logger,
  options: DevKeyCheckOptions = {},
): Promise<string | undefined> {
  const giveUpMs = options.giveUpMs ?? 60_000;
  const retryMs = options.retryMs ?? 1_000;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      const answer = await policy.authorize(
        { apiKey: DEV_ADMIN_KEY, model: "", requestId: "ingress-start-dev-key-check" },
        { timeoutMs: 2_000 },
      );
      if (!answer.allowed && answer.failure?.code === "invalid_api_key") return undefined;
      return devKeyRefusal(answer.keyName, host, configPath);
    } catch (error) {
      if (Date.now() - started >= giveUpMs) {
        throw new Error(
          `policy did not answer within ${Math.round(giveUpMs / 1000)} s, so the ingress cannot check that the development key is not configured; not listening on ${host}`,
          { cause: error },
        );
      }
      if (attempt % 5 === 0)
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          `waiting for policy to check that the development key does not work before listening on ${host}`,
        );
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
}
