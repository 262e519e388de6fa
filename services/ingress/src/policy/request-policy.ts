import { GatewayError } from "@switchyard/errors";
import { askWebhook, CompiledGuardrails, formatHits, type GuardrailRules } from "@switchyard/guardrails";
import type { AuthorizeResponse } from "@switchyard/proto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { apiKeyFrom } from "../pipeline/api-key.js";
import type { Generation } from "../pipeline/generation.js";
import type { RequestRecord } from "../pipeline/request-record.js";
import type { Admission, Admissions } from "./gate.js";
import { headersOfError } from "./gate.js";
import { OutputFilter } from "./output-filter.js";
import { promptTexts, requestMetadata, reservedTokens } from "./prompt-texts.js";
import type { Verdicts } from "./verdicts.js";

/** What the policy step leaves for the rest of the request. */
export interface Entered {
  auth: AuthorizeResponse;
  /** Resolves once the rate limits and budgets let the request through (taken concurrently with the cache and plan). */
  admitted: Promise<Admission | undefined>;
  /** Output guardrails for the answer; undefined when none apply. */
  output: OutputFilter | undefined;
}

/**
 * The policy step of a generation: the key's verdict, input guardrails (before the cache key is
 * computed, so a redacted prompt never meets an unredacted entry), then limits and budgets.
 */
export class RequestPolicy {
  private readonly compiled = new Map<string, CompiledGuardrails>();

  constructor(
    readonly verdicts: Verdicts,
    private readonly admissions: Admissions | undefined,
  ) {}

  async enter(request: FastifyRequest, reply: FastifyReply, generation: Generation, record: RequestRecord): Promise<Entered> {
    // Usually checked before the body was validated (pipeline/authenticate.ts): that verdict is reused.
    const auth = request.authorization ?? (await this.verdicts.authorize(apiKeyFrom(request.headers), generation.model, request.id));
    if (!auth.allowed)
      throw auth.failure ? GatewayError.fromFailure(auth.failure) : new GatewayError("invalid_api_key", "Invalid API key.");
    record.keyName = auth.keyName;
    record.team = auth.team;

    const slots = promptTexts(generation.body);
    const guardrails = this.guardrailsOf(auth.guardrailsJson);
    let output: OutputFilter | undefined;
    if (guardrails) {
      const verdict = guardrails.checkInput(slots.map((s) => s.text));
      const notes = [...verdict.notes];
      if (!verdict.blocked && guardrails.webhook) {
        const answer = await askWebhook(guardrails.webhook, {
          model: generation.model,
          messages: generation.body.messages ?? generation.body.input,
        });
        notes.push(`webhook:${answer.allow ? "allow" : "block"}`);
        if (!answer.allow) verdict.blocked = `webhook${answer.reason ? ` (${answer.reason})` : ""}`;
      }
      record.guardrails = formatHits(verdict.pii, notes);
      if (record.guardrails) reply.header("x-switchyard-guardrails", record.guardrails);
      if (verdict.blocked) throw new GatewayError("guardrail_blocked", `The request was blocked by the guardrail ${verdict.blocked}.`);
      if (verdict.redacted) {
        verdict.redacted.forEach((text, i) => slots[i]!.set(text));
        // The client's bytes hold the unredacted prompt: the connector gets the body re-encoded.
        delete generation.bodyBytes;
      }
      if (guardrails.outputPii !== "off") output = new OutputFilter(guardrails.piiKinds, guardrails.outputPii === "redact");
    }

    const admitted = this.admissions
      ? this.admissions
          .admit(auth, {
            requestId: record.eventId,
            reserveTokens: reservedTokens(generation.body, slots),
            metadata: requestMetadata(request.headers["x-switchyard-metadata"], generation.body),
          })
          .then(
            (admission) => {
              reply.headers(admission.headers);
              reply.raw.once("close", () => admission.settle(record.cacheHit ? undefined : record.usage));
              return admission;
            },
            (error: unknown) => {
              const headers = headersOfError(error);
              if (headers) reply.headers(headers);
              throw error;
            },
          )
      : Promise.resolve(undefined);
    // Awaited with the cache lookup and the plan; a failure there must not go unhandled first.
    admitted.catch(() => {});
    return { auth, admitted, output };
  }

  private guardrailsOf(json: string): CompiledGuardrails | undefined {
    if (!json) return undefined;
    let compiled = this.compiled.get(json);
    if (!compiled) {
      if (this.compiled.size >= 1_000) this.compiled.clear();
      compiled = new CompiledGuardrails(JSON.parse(json) as GuardrailRules);
      this.compiled.set(json, compiled);
    }
    return compiled;
  }
}
