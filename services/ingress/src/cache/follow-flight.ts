import { GatewayError } from "@switchyard/errors";
import type { Deployment, TokenUsage } from "@switchyard/proto";
import type { Flight } from "@switchyard/response-cache";
import type { FastifyReply } from "fastify";
import { type AnswerFormat, StreamChunk, type UsageJson } from "../pipeline/answer-format.js";
import type { RequestRecord } from "../pipeline/request-record.js";
import type { SseWriter } from "../pipeline/sse.js";
import { type ChunkView, completionToChunks } from "../pipeline/stream-assembler.js";

export interface FollowerContext {
  record: RequestRecord;
  reply: FastifyReply;
  /** Set for a streaming client: opened lazily, so nothing has gone out yet. */
  sse: SseWriter | undefined;
  headers: Record<string, string>;
  format: AnswerFormat;
  includeUsage: boolean;
  /** The plan's deployments, to name the one that answered in the usage event. */
  deployments: readonly Deployment[];
  waitMs: number;
  /** Counts the answer once it is served. */
  served(deploymentId: string, bytes: number, usage: TokenUsage | undefined): void;
}

const decoder = new TextDecoder();

/**
 * Answers a request from another request's upstream call: a streaming client gets each chunk
 * as the leader does, a plain one the whole answer at the end. Resolves false when the leader
 * failed, or fell silent for `waitMs`, before anything was sent: the caller then goes upstream
 * itself. Once chunks went out, a failure ends the stream with an error event, as the leader's did.
 */
export async function followFlight(flight: Flight, context: FollowerContext): Promise<boolean> {
  const { record, sse, headers } = context;
  const formatter = sse ? context.format.stream() : undefined;
  let streamed = 0;
  let deploymentId = "";
  for (let index = 0; ; index++) {
    const event = await flight.next(index, context.waitMs);
    if (!event || event.kind === "fail") {
      if (streamed === 0 || !sse || !formatter) return false;
      record.error = new GatewayError("upstream_error", "The upstream stream broke off.");
      await sse.frames(formatter.fail(record.error));
      sse.end();
      return true;
    }
    if (event.kind === "open") {
      deploymentId = event.deploymentId;
      continue;
    }
    if (event.kind === "chunk") {
      if (!sse || !formatter) continue; // a plain client waits for the whole answer
      if (streamed === 0) {
        begin(context, deploymentId);
        sse.open(headers);
        await sse.frames(formatter.start());
      }
      streamed++;
      record.markFirstToken();
      await sse.frames(formatter.chunk(new StreamChunk(event.bytes)));
      if (sse.closed) return true;
      continue;
    }
    // done
    deploymentId = event.deploymentId;
    const completion =
      event.completion.byteLength > 0 ? (JSON.parse(decoder.decode(event.completion)) as Record<string, unknown>) : undefined;
    if (!completion && streamed === 0) return false; // nothing to replay: a stream the leader could not assemble
    const usage = usageOf(completion?.usage);
    record.usage = usage.token;
    if (!sse || !formatter) {
      begin(context, deploymentId);
      record.markFirstToken();
      context.reply
        .headers(headers)
        .type("application/json")
        .send(asBody(context.format.complete(event.completion)));
      context.served(deploymentId, event.completion.byteLength, usage.token);
      return true;
    }
    if (streamed === 0) {
      begin(context, deploymentId);
      sse.open(headers);
      await sse.frames(formatter.start());
      record.markFirstToken();
      for (const chunk of completionToChunks(completion as Record<string, unknown>, context.includeUsage)) {
        await sse.frames(formatter.chunk(new StreamChunk(Buffer.from(JSON.stringify(chunk)), chunk as ChunkView)));
      }
    }
    await sse.frames(formatter.finish(usage.json));
    sse.end();
    context.served(deploymentId, event.completion.byteLength, usage.token);
    return true;
  }
}

/** From here on the request is answered by the leader's call: say so in the headers and the record. */
function begin(context: FollowerContext, deploymentId: string): void {
  context.record.cache = "coalesced";
  context.record.deployment = context.deployments.find((d) => d.id === deploymentId);
  Object.assign(context.headers, {
    "x-switchyard-cache": "coalesced",
    "x-switchyard-deployment": deploymentId,
    "x-switchyard-attempts": "",
    "x-switchyard-cost": "0",
  });
}

function usageOf(value: unknown): { json: UsageJson; token: TokenUsage | undefined } {
  const u = value as Partial<UsageJson> | undefined;
  const json = { prompt_tokens: u?.prompt_tokens ?? 0, completion_tokens: u?.completion_tokens ?? 0, total_tokens: u?.total_tokens ?? 0 };
  if (!u) return { json, token: undefined };
  return {
    json,
    token: {
      $typeName: "switchyard.v1.TokenUsage",
      promptTokens: json.prompt_tokens,
      completionTokens: json.completion_tokens,
      totalTokens: json.total_tokens,
    },
  };
}

function asBody(body: Uint8Array | string): Buffer | string {
  return typeof body === "string" ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
