import { LEAK_MARKER } from "./behaviour.js";
import { type FakeOpenAI, OPENAI_CONTEXT_LENGTH, type OpenAIDialect, startOpenAIWire } from "./openai.js";

/**
 * A local Azure OpenAI resource: deployment URLs
 * (`/openai/deployments/{deployment}/chat/completions?api-version=…`, the deployment is the
 * upstream model) and the v1 API (`/openai/v1/chat/completions`, the model in the body), the
 * `api-key` header, Azure's error bodies, its content filter refusal, and OpenAI's answers
 * otherwise (see `startFakeOpenAI` for the model names).
 */
export function startFakeAzure(options: { apiKey?: string } = {}): Promise<FakeOpenAI> {
  return startOpenAIWire(azureDialect(options.apiKey));
}

const azureError = (code: string, message: string) => ({ error: { code, message } });

function azureDialect(apiKey: string | undefined): OpenAIDialect {
  return {
    authError(request) {
      if (apiKey === undefined) return null;
      const given = request.headers["api-key"] ?? request.headers.authorization?.replace(/^Bearer /, "");
      if (given === apiKey) return null;
      return {
        status: 401,
        body: azureError(
          "401",
          "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
        ),
      };
    },
    routeError(pathAndQuery) {
      const url = new URL(pathAndQuery, "http://azure");
      const deployment = /^\/openai\/deployments\/[^/]+\/(chat\/completions|embeddings)$/.test(url.pathname);
      const v1 = /^\/openai\/v1\/(chat\/completions|embeddings)$/.test(url.pathname);
      if (!deployment && !v1) return { status: 404, body: azureError("404", "Resource not found") };
      if (deployment && !url.searchParams.get("api-version")) return { status: 404, body: azureError("404", "Resource not found") };
      return null;
    },
    modelOf(path, body) {
      const deployment = /^\/openai\/deployments\/([^/]+)\//.exec(path);
      return deployment ? decodeURIComponent(deployment[1]!) : String(body.model ?? "");
    },
    errorBody(status) {
      if (status === 429) {
        return azureError(
          "429",
          `Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier (key ${LEAK_MARKER}). Please retry after 7 seconds.`,
        );
      }
      return azureError(String(status), `The server had an error while processing your request (key ${LEAK_MARKER}).`);
    },
    contextLength: OPENAI_CONTEXT_LENGTH,
    blocked: {
      status: 400,
      body: {
        error: {
          message:
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
          type: null,
          param: "prompt",
          code: "content_filter",
          status: 400,
          innererror: {
            code: "ResponsibleAIPolicyViolation",
            content_filter_result: {
              hate: { filtered: false, severity: "safe" },
              self_harm: { filtered: false, severity: "safe" },
              sexual: { filtered: false, severity: "safe" },
              violence: { filtered: true, severity: "medium" },
            },
          },
        },
      },
    },
    rateLimitHeaders: {
      "x-ratelimit-remaining-requests": "119",
      "x-ratelimit-remaining-tokens": "119000",
      "x-ratelimit-limit-requests": "120",
      "x-ratelimit-limit-tokens": "120000",
    },
  };
}
