/**
 * @module test/external-source
 * Builds an external tool source outside any session object, for the tests that need servers the test
 * Worker is not configured with (the ToolSource contract, redirects): the `mcpServers` given, read by the
 * service's own config loader, with upstream sessions kept in memory.
 */
import { env } from "cloudflare:workers";
import serviceConfig from "../config/service.config.json";
import { loadConfig } from "../src/config/load";
import type { ExternalConfig } from "../src/config/schema";
import { upstreamFetch } from "../src/tools/external/connect";
import { Logger } from "../src/observability/log";
import { ExternalToolSource } from "../src/tools/external/source";
import type { StoredUpstreamSession, UpstreamSessionStore } from "../src/tools/external/upstream-session";

/** Upstream sessions in memory (the session object keeps them in SQLite). */
class MemoryUpstreamSessionStore implements UpstreamSessionStore {
  readonly #sessions = new Map<string, StoredUpstreamSession>();
  load(server: string): StoredUpstreamSession | null {
    return this.#sessions.get(server) ?? null;
  }
  all(): StoredUpstreamSession[] {
    return [...this.#sessions.values()];
  }
  save(session: StoredUpstreamSession): void {
    this.#sessions.set(session.server, session);
  }
  clear(server: string): void {
    this.#sessions.delete(server);
  }
}

/** An external source and how to end it (cancelling and awaiting its background work). */
export interface BuiltExternalSource {
  source: ExternalToolSource;
  close: () => Promise<void>;
}

/**
 * The external source of `mcpServers` (entries as an operator writes them), one connect attempt per call unless
 * `settings` says otherwise.
 */
export function newExternalSource(
  mcpServers: Record<string, object>,
  settings: Partial<ExternalConfig> = {},
): BuiltExternalSource {
  const loaded = loadConfig({ MCP_SERVERS: JSON.stringify({ mcpServers }) }, serviceConfig);
  if (!loaded.ok) throw new Error(loaded.message);
  const background: Array<Promise<unknown>> = [];
  const source = new ExternalToolSource({
    servers: loaded.config.mcpServers,
    settings: { ...loaded.config.external, connect_attempts: 1, ...settings },
    kv: env.TOOL_CACHE,
    store: new MemoryUpstreamSessionStore(),
    fetch: upstreamFetch(undefined),
    waitUntil: (promise) => background.push(promise),
    onConnectionOpened: () => {},
    logger: new Logger(loaded.config.log.level),
  });
  return {
    source,
    close: async () => {
      source.reset("the test is over");
      await Promise.allSettled(background);
    },
  };
}
