import { createHash } from "node:crypto";
import { GatewayError } from "@switchyard/errors";
import type { EmbeddingsRequestJson, EmbeddingsResponseJson, ProviderCall } from "../types.js";
import { countWords } from "./text.js";

export const DEFAULT_MOCK_DIMENSIONS = 64;
const MAX_DIMENSIONS = 4096;

/**
 * Deterministic embeddings by feature hashing: each word adds ±1 to one dimension, then the
 * vector is normalised. Texts that share words are close, so semantic caching can be tested
 * without a model.
 */
export function mockEmbeddings(request: EmbeddingsRequestJson, ctx: ProviderCall): EmbeddingsResponseJson {
  const inputs = inputTexts(request.input);
  const dimensions = dimensionsOf(request.dimensions);
  const base64 = request.encoding_format === "base64";
  let promptTokens = 0;
  const data = inputs.map((input, index) => {
    promptTokens += typeof input === "string" ? countWords(input) : input.length;
    const vector = embed(typeof input === "string" ? input : input.join(" "), dimensions);
    return { object: "embedding", index, embedding: base64 ? toBase64(vector) : vector };
  });
  return {
    object: "list",
    data,
    model: ctx.deployment.model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

export function embed(text: string, dimensions: number): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    const hash = createHash("sha256").update(word).digest();
    vector[hash.readUInt32BE(0) % dimensions]! += hash[4]! & 1 ? 1 : -1;
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) {
    vector[0] = 1;
    return vector;
  }
  return vector.map((v) => v / norm);
}

function inputTexts(input: unknown): (string | number[])[] {
  const isTokens = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === "number");
  if (typeof input === "string") return [input];
  if (isTokens(input) && input.length > 0) return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((v) => typeof v === "string" || isTokens(v))) {
    return input as (string | number[])[];
  }
  throw new GatewayError("upstream_rejected", "input must be a string, an array of strings, or token arrays", {
    param: "input",
    upstreamStatus: 400,
  });
}

function dimensionsOf(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_MOCK_DIMENSIONS;
  if (typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= MAX_DIMENSIONS) return value;
  throw new GatewayError("upstream_rejected", `dimensions must be a whole number from 1 to ${MAX_DIMENSIONS}`, {
    param: "dimensions",
    upstreamStatus: 400,
  });
}

function toBase64(vector: number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString("base64");
}
