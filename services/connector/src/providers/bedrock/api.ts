import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

/** What of a bedrock provider's config the endpoint and the signer need. */
export interface BedrockEndpointConfig {
  region: string;
  api_base?: string | undefined;
  access_key_id?: string | undefined;
  secret_access_key?: string | undefined;
  session_token?: string | undefined;
  /** The shared-config profile the default chain reads, when not the default one. */
  profile?: string | undefined;
}

/** The runtime endpoint of a region, unless `api_base` names another (a proxy, a VPC endpoint, a test fake). */
export function bedrockBaseUrl(config: BedrockEndpointConfig): string {
  return (config.api_base ?? `https://bedrock-runtime.${config.region}.amazonaws.com`).replace(/\/+$/, "");
}

/** `/model/{modelId}/{action}`: model ids hold ":" (and ARNs "/"), so the id is one escaped path segment. */
export function modelPath(model: string, action: "converse" | "converse-stream" | "invoke"): string {
  return `/model/${encodeURIComponent(model)}/${action}`;
}

/**
 * The config's keys when it has them; otherwise the AWS default chain (environment, profile files,
 * container and instance metadata), loaded on first use and cached until shortly before the
 * credentials expire.
 */
export function credentialsOf(config: BedrockEndpointConfig): AwsCredentialIdentity | AwsCredentialIdentityProvider {
  if (config.access_key_id && config.secret_access_key) {
    return {
      accessKeyId: config.access_key_id,
      secretAccessKey: config.secret_access_key,
      ...(config.session_token ? { sessionToken: config.session_token } : {}),
    };
  }
  let chain: AwsCredentialIdentityProvider | undefined;
  return async () => {
    // Imported here: a gateway with static keys (or no bedrock provider) never loads the chain.
    chain ??= (await import("@aws-sdk/credential-provider-node")).defaultProvider(config.profile ? { profile: config.profile } : {});
    return chain();
  };
}

/** A request about to be sent, as the shared HTTP client hands it to `sign`. */
export interface RequestToSign {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

/**
 * Signs requests with SigV4 for service `bedrock` in the config's region: returns the headers to
 * add (x-amz-date, authorization and, with temporary credentials, x-amz-security-token). The
 * `host` and every header given are signed.
 */
export function createSigner(config: BedrockEndpointConfig): (request: RequestToSign) => Promise<Record<string, string>> {
  const signer = new SignatureV4({ service: "bedrock", region: config.region, credentials: credentialsOf(config), sha256: Sha256 });
  return async ({ method, url, headers, body }) => {
    const query: Record<string, string> = {};
    for (const [key, value] of url.searchParams) query[key] = value;
    const unsigned: Record<string, string> = { ...lowerCased(headers), host: url.host };
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: unsigned,
      body,
    });
    const added: Record<string, string> = {};
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name !== "host" && unsigned[name] !== value) added[name] = value;
    }
    return added;
  };
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) result[name.toLowerCase()] = value;
  return result;
}
