/**
 * @module auth
 * API keys → tenant. Keys come from the `API_KEYS` secret, a JSON object `{"<key>": "<tenant>"}`.
 * Keys are compared as SHA-256 digests in constant time, against every configured key, so neither
 * the position of a match nor a key's length shows in the timing. A key that matched is remembered for the
 * isolate's life (with its tenant, until `API_KEYS` changes), so its next requests skip the digest: the
 * memory holds only configured keys, which the isolate holds anyway, so it is bounded by their number, and a
 * wrong key is never kept. Its lookup is a hash-table lookup, whose timing says nothing about how close a
 * wrong key is to a right one.
 */
import type { MiddlewareHandler } from "hono";
import { z } from "zod";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";
import { parseJson } from "./util/json";

const TenantName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "tenant names are 1-64 of A-Z a-z 0-9 _ . -");
const ApiKeys = z.record(z.string().min(8, "API keys must be at least 8 characters"), TenantName);

interface KeyEntry {
  digest: ArrayBuffer;
  tenant: string;
}

interface ParsedKeys {
  raw: string;
  entries: Promise<KeyEntry[]>;
  /** Presented keys that matched, each with its tenant. */
  matched: Map<string, string>;
}

let parsedKeys: ParsedKeys | undefined;

/** Rejects requests without a configured API key; sets `tenant` for the routes. */
export const apiKeyAuth = (): MiddlewareHandler<AppEnv> =>
  async function apiKeyAuth(c, next) {
    const keys = parseOnce(c.env.API_KEYS);
    const presented = bearerToken(c.req.header("Authorization"));
    if (presented === undefined) {
      throw new ApiError("unauthorized", "missing API key: send `Authorization: Bearer <key>`", undefined, {
        "WWW-Authenticate": "Bearer",
      });
    }
    const tenant = keys.matched.get(presented) ?? (await matchKey(keys, presented));
    if (tenant === undefined) {
      throw new ApiError("unauthorized", "invalid API key", undefined, { "WWW-Authenticate": "Bearer" });
    }
    c.set("tenant", tenant);
    await next();
  };

/** Why `API_KEYS` cannot be used (missing, not JSON, a key too short, empty), or null when it can: for /ready. */
export function apiKeysProblem(raw: string | undefined): string | null {
  try {
    void configuredKeys(raw);
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.message;
    throw error;
  }
}

/** The tenants the configured API keys name (each once): every tenant that can have sessions. */
export async function configuredTenants(raw: string | undefined): Promise<string[]> {
  return [...new Set((await configuredKeys(raw)).map((entry) => entry.tenant))];
}

/** Whether `presented` is `secret`, compared as SHA-256 digests in constant time. */
export async function sameSecret(presented: string, secret: string): Promise<boolean> {
  return crypto.subtle.timingSafeEqual(await sha256(presented), await sha256(secret));
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

async function matchKey(keys: ParsedKeys, presented: string): Promise<string | undefined> {
  const [entries, digest] = await Promise.all([keys.entries, sha256(presented)]);
  let tenant: string | undefined;
  for (const entry of entries) {
    // No early exit: every configured key is compared.
    if (crypto.subtle.timingSafeEqual(entry.digest, digest)) tenant = entry.tenant;
  }
  if (tenant !== undefined) keys.matched.set(presented, tenant);
  return tenant;
}

function configuredKeys(raw: string | undefined): Promise<KeyEntry[]> {
  return parseOnce(raw).entries;
}

function parseOnce(raw: string | undefined): ParsedKeys {
  if (raw === undefined || raw.trim() === "") {
    throw new ApiError(
      "not_configured",
      'no API keys are configured: set the API_KEYS secret to a JSON object {"<key>": "<tenant>"} (wrangler secret put API_KEYS)',
    );
  }
  if (parsedKeys?.raw !== raw) parsedKeys = { raw, entries: digestKeys(parseKeys(raw)), matched: new Map() };
  return parsedKeys;
}

function parseKeys(raw: string): Record<string, string> {
  const json = parseJson(raw);
  if (!json.ok) throw new ApiError("config_invalid", 'API_KEYS is not valid JSON: expected {"<key>": "<tenant>"}');
  const parsed = ApiKeys.safeParse(json.value);
  if (!parsed.success) {
    // The keys themselves are secret: name only the rule that failed.
    const rules = [...new Set(parsed.error.issues.map((i) => i.message))].join("; ");
    throw new ApiError("config_invalid", `API_KEYS is invalid: ${rules}`);
  }
  if (Object.keys(parsed.data).length === 0) {
    throw new ApiError("not_configured", "API_KEYS is empty: add at least one key");
  }
  return parsed.data;
}

async function digestKeys(keys: Record<string, string>): Promise<KeyEntry[]> {
  return Promise.all(Object.entries(keys).map(async ([key, tenant]) => ({ digest: await sha256(key), tenant })));
}

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
}
