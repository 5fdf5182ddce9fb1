/**
 * @module cache/tool-cache
 * The global KV cache of each external server's tool list: read by every session, written only by a session
 * that found the entry missing or stale, or that learnt the list changed (see docs/storage-schema.md).
 *
 * ## Key layout
 * `tools:v<version>:<server name>:<hash>`: the hash covers the server's URL and headers, so a changed endpoint
 * or credential never reads another's list, and bumping {@link TOOL_CACHE_VERSION} retires every entry at once.
 *
 * ## Freshness
 * An entry is fresh for the configured TTL after `fetched_at`. KV keeps it {@link STALE_SERVE_SECONDS} longer,
 * so a stale list can be served while a refresh runs; it is never replaced by an empty list because a server
 * failed to answer (failed refreshes write nothing).
 */
import { z } from "zod";
import type { HttpServerConfig } from "../config/mcp-servers";
import type { Logger } from "../observability/log";

/** Part of every key: bump it when the value's shape changes. */
export const TOOL_CACHE_VERSION = 2;
/** How long past its TTL a list may still be served while it is refreshed. */
export const STALE_SERVE_SECONDS = 24 * 3600;
/** KV's smallest `expirationTtl`. */
const KV_MIN_EXPIRATION_SECONDS = 60;

/** A tool as an upstream lists it, reduced to what the service uses (an allow-list: nothing else is stored). */
export const UpstreamTool = z.object({
  name: z.string().min(1),
  title: z.string().optional(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  annotations: z.record(z.string(), z.unknown()).optional(),
  outputSchema: z.record(z.string(), z.unknown()).optional(),
  icons: z.array(z.unknown()).optional(),
  _meta: z.record(z.string(), z.unknown()).optional(),
});
export type UpstreamTool = z.infer<typeof UpstreamTool>;

export const CachedToolList = z.object({
  server: z.string(),
  /** When the upstream answered `tools/list` (ms since the epoch). */
  fetched_at: z.number(),
  tools: z.array(UpstreamTool),
});
export type CachedToolList = z.infer<typeof CachedToolList>;

/** The key of `server`'s list. */
export async function toolCacheKey(server: HttpServerConfig): Promise<string> {
  const headers = Object.entries(server.headers).sort(([a], [b]) => a.localeCompare(b));
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify([server.url, headers])));
  const hash = [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
  // The name is only there to make keys readable; the hash tells servers apart.
  return `tools:v${TOOL_CACHE_VERSION}:${encodeURIComponent(server.name).slice(0, 96)}:${hash}`;
}

/** The cached list, or null when there is none (or it does not parse: treated as missing). */
export async function readToolList(kv: KVNamespace, key: string): Promise<CachedToolList | null> {
  const value = await kv.get(key, "json");
  const parsed = CachedToolList.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Stores a list the upstream just gave; a failed write (KV's write rate limit) is logged on `logger`, not thrown. */
export async function writeToolList(
  kv: KVNamespace,
  key: string,
  list: CachedToolList,
  ttlSeconds: number,
  logger: Logger,
): Promise<void> {
  try {
    await kv.put(key, JSON.stringify(list satisfies CachedToolList), {
      expirationTtl: Math.max(KV_MIN_EXPIRATION_SECONDS, ttlSeconds + STALE_SERVE_SECONDS),
    });
  } catch (error) {
    logger.warn("tool_cache_write_failed", { server: list.server, error: String(error) });
  }
}
