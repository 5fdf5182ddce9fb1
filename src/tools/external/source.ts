/**
 * @module tools/external/source
 * The operator's external MCP servers as one {@link ToolSource} of a session. It lives as long as the session's
 * Durable Object and holds, per enabled server, the upstream connection, a circuit breaker and the last tool
 * list it knows.
 *
 * ## Listing (fails open)
 * Per server, concurrently: the list in memory while fresh; else the KV cache (a stale entry is served and
 * refreshed in the background); else the upstream, within `list_timeout_ms`. A server that is down, slow, or
 * behind an open circuit contributes no tools and is reported `unavailable` with the reason; the others answer.
 * A server this session found down is tried again in the background, so no listing waits on it.
 * A warm cache answers a new session without any upstream traffic.
 *
 * ## Refreshing
 * A list is fetched again when it is stale, when the server sends `notifications/tools/list_changed`, or when
 * a call finds the tool gone. Refreshes of one server are shared; a failed refresh keeps the last list.
 *
 * ## Idle connections
 * A connection with no request for `idle_close_seconds` is closed by {@link ExternalToolSource.closeIdle}, which
 * the session's alarm runs (by {@link ExternalToolSource.nextIdleCloseAt}): an open stream keeps the Durable
 * Object from hibernating. Streamable HTTP sessions are resumed by the next call without `initialize`; while
 * closed, the server's list_changed notifications are not heard, and the tool-list TTL picks changes up.
 *
 * ## Names
 * Computed over every server's last known list (see naming.ts), so a server going down renames nothing, and
 * its tools stay resolvable: a call then gets `upstream_unavailable` rather than `tool_not_found`.
 */
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { type CachedToolList, readToolList, toolCacheKey, type UpstreamTool, writeToolList } from "../../cache/tool-cache";
import type { HttpServerConfig, McpServerConfig, StdioServerConfig } from "../../config/mcp-servers";
import type { ExternalConfig } from "../../config/schema";
import { executionError, fromCallToolResult } from "../result";
import type { ExecutionResult } from "../../contract/execution";
import type { ServerStatus } from "../../contract/servers";
import type { SourceListing, ToolDescriptor } from "../../contract/tools";
import type { CallOptions, ToolSource } from "../types";
import { CircuitBreaker } from "./breaker";
import { UpstreamConnection, type UpstreamSessionStore } from "./connection";
import { meansToolGone } from "./errors";
import { assignToolNames, toolKey } from "./naming";

/** After a failed contact, listings do not try the server again (in the background) for this long. */
const RECHECK_FAILED_SERVER_AFTER_MS = 5_000;
/** Each session treats lists as stale a little later than the TTL, at random, so sessions do not all refresh at once. */
const STALENESS_JITTER = 0.2;
/** A server answering with more pages than this is cut off (and reported incomplete). */
const MAX_LIST_PAGES = 50;

export interface ExternalSourceOptions {
  servers: readonly McpServerConfig[];
  settings: ExternalConfig;
  kv: KVNamespace;
  store: UpstreamSessionStore;
  /** Keeps the object alive for background work (a refresh after serving a stale list). */
  waitUntil: (promise: Promise<unknown>) => void;
  /** A connection opened: from now on {@link ExternalToolSource.closeIdle} must run by {@link ExternalToolSource.nextIdleCloseAt}. */
  onConnectionOpened: () => void;
}

interface Catalog {
  tools: UpstreamTool[];
  fetchedAt: number;
  complete: boolean;
}

type RefreshOutcome = { ok: true; catalog: Catalog } | { ok: false; message: string };

/** Everything the source holds for one enabled HTTP server. */
interface Slot {
  config: HttpServerConfig;
  connection: UpstreamConnection;
  breaker: CircuitBreaker;
  catalog: Catalog | null;
  cacheKey: Promise<string>;
  refreshing: Promise<RefreshOutcome> | undefined;
  failedAt: number | null;
  staleAfterMs: number;
}

export class ExternalToolSource implements ToolSource {
  readonly kind = "external" as const;
  readonly #options: ExternalSourceOptions;
  #slots: Slot[];
  /** Aborted by {@link reset}: cancels listings and refreshes still running for the old session. */
  #lifetime = new AbortController();
  #byName = new Map<string, ToolDescriptor>();
  /** Each slot's catalog as it was when {@link #byName} was last built. */
  #namedCatalogs: ReadonlyArray<Catalog | null> = [];

  constructor(options: ExternalSourceOptions) {
    this.#options = options;
    this.#slots = this.#httpServers().map((config) => this.#newSlot(config, null));
  }

  async listTools(): Promise<SourceListing[]> {
    const states = await Promise.all(this.#slots.map((slot) => this.#listingState(slot)));
    this.#rename();
    const listings: SourceListing[] = this.#slots.map((slot, i) => {
      const state = states[i]!;
      const listing: SourceListing = {
        source: slot.config.name,
        kind: "external",
        status: state.status,
        tools: state.status === "unavailable" ? [] : this.#descriptors(slot),
      };
      if (state.error !== undefined) listing.error = state.error;
      return listing;
    });
    for (const server of this.#stdioServers()) {
      listings.push({ source: server.name, kind: "external", status: "unsupported", tools: [], error: stdioMessage(server) });
    }
    return listings;
  }

  /** A known tool of a server that is not listed right now (down, or behind an open circuit). */
  resolveAlias(name: string): ToolDescriptor | undefined {
    return this.#byName.get(name);
  }

  async callTool(tool: ToolDescriptor, args: Record<string, unknown>, options: CallOptions): Promise<ExecutionResult> {
    const slot = this.#slots.find((s) => s.config.name === tool.server);
    if (!slot) return executionError("upstream_unavailable", `server "${tool.server}" is not configured any more`);
    if (!slot.breaker.tryAcquire()) return executionError("upstream_unavailable", circuitOpenMessage(slot));
    const { settings } = this.#options;
    const timeoutMs = Math.min(
      options.timeoutMs ?? slot.config.timeout_ms ?? settings.call_timeout_ms,
      settings.max_call_timeout_ms,
    );
    const outcome = await slot.connection.request(
      async (client, requestOptions) =>
        // Parsed again only to narrow the SDK's declared type (it also allows the pre-2024 `toolResult` shape).
        CallToolResultSchema.parse(
          await client.callTool({ name: tool.original_name, arguments: args }, CallToolResultSchema, requestOptions),
        ),
      { signal: options.signal, timeoutMs },
    );
    if (outcome.ok) {
      slot.breaker.succeed();
      slot.failedAt = null;
      const result = fromCallToolResult(tool.name, outcome.value);
      if (!result.success && meansToolGone(result.error?.message ?? "")) return this.#toolGone(slot, tool);
      return result;
    }
    switch (outcome.failure) {
      case "cancelled":
        slot.breaker.release();
        return executionError("cancelled", `${tool.name}: ${outcome.message}`);
      case "timeout":
        slot.breaker.fail();
        return executionError("upstream_timeout", `${tool.name}: ${outcome.message}`);
      case "unavailable":
        slot.breaker.fail();
        slot.failedAt = Date.now();
        return executionError("upstream_unavailable", `${tool.name}: ${slot.config.name} is unavailable: ${outcome.message}`);
      case "rejected":
        // The server answered: it is up, the request was refused.
        slot.breaker.succeed();
        if (meansToolGone(outcome.message)) return this.#toolGone(slot, tool);
        return executionError("tool_error", `${tool.name}: ${outcome.message}`);
    }
  }

  /** Every configured server, in configuration order, with what this session knows of it. */
  status(): ServerStatus[] {
    return this.#options.servers.map((server): ServerStatus => {
      const slot = this.#slots.find((s) => s.config.name === server.name);
      if (server.kind !== "http" || !slot) {
        const stdio = server.kind === "stdio";
        return {
          name: server.name,
          status: stdio ? "unsupported" : "disabled",
          transport: stdio ? "stdio" : null,
          transport_in_use: null,
          url: null,
          tool_count: null,
          tools_fetched_at: null,
          last_error: stdio ? stdioMessage(server) : null,
          last_latency_ms: null,
          breaker: null,
        };
      }
      return {
        name: server.name,
        status: slot.connection.state,
        transport: server.transport,
        transport_in_use: slot.connection.transportInUse,
        url: redactUrl(server.url),
        tool_count: slot.catalog?.tools.length ?? null,
        tools_fetched_at: slot.catalog ? new Date(slot.catalog.fetchedAt) : null,
        last_error: slot.connection.lastError,
        last_latency_ms: slot.connection.lastLatencyMs,
        breaker: slot.breaker.view(),
      };
    });
  }

  /** When the next connection may be closed as idle (ms since the epoch); null when none is open. */
  nextIdleCloseAt(): number | null {
    const since = this.#slots.map((slot) => slot.connection.idleSince()).filter((at) => at !== null);
    return since.length === 0 ? null : Math.min(...since) + this.#idleCloseMs();
  }

  /** Closes every connection that has had no request for `idle_close_seconds`. */
  closeIdle(): void {
    const now = Date.now();
    for (const slot of this.#slots) {
      const since = slot.connection.idleSince();
      if (since !== null && now - since >= this.#idleCloseMs()) slot.connection.closeIdle();
    }
  }

  /**
   * The session ended: cancels what is still running, closes every connection and starts over with fresh
   * connections and breakers. Tool lists are kept: they are the servers', not the session's. (The upstream
   * sessions are ended by the session object, from what it stored: see end-sessions.ts.)
   */
  reset(reason: string): void {
    this.#lifetime.abort(new Error(reason));
    this.#lifetime = new AbortController();
    const old = this.#slots;
    this.#slots = old.map((slot) => this.#newSlot(slot.config, slot.catalog));
    for (const slot of old) slot.connection.close();
  }

  #idleCloseMs(): number {
    return this.#options.settings.idle_close_seconds * 1000;
  }

  #httpServers(): HttpServerConfig[] {
    return this.#options.servers.filter((s): s is HttpServerConfig => s.kind === "http");
  }

  #stdioServers(): StdioServerConfig[] {
    return this.#options.servers.filter((s): s is StdioServerConfig => s.kind === "stdio");
  }

  #newSlot(config: HttpServerConfig, catalog: Catalog | null): Slot {
    const { settings, store } = this.#options;
    const slot: Slot = {
      config,
      catalog,
      cacheKey: toolCacheKey(config),
      refreshing: undefined,
      failedAt: null,
      staleAfterMs: settings.tool_cache_ttl_seconds * 1000 * (1 + STALENESS_JITTER * Math.random()),
      breaker: new CircuitBreaker({
        failureThreshold: settings.breaker.failure_threshold,
        cooldownMs: settings.breaker.cooldown_ms,
      }),
      connection: new UpstreamConnection(config, {
        connectAttempts: settings.connect_attempts,
        connectBackoffMs: settings.connect_backoff_ms,
        connectTimeoutMs: settings.connect_timeout_ms,
        store,
        onToolsChanged: () => this.#refreshInBackground(slot),
        onOpened: () => this.#options.onConnectionOpened(),
      }),
    };
    return slot;
  }

  /** Whether the server's tools can be listed now, bringing its list up to date as the rules above say. */
  async #listingState(slot: Slot): Promise<{ status: SourceListing["status"]; error?: string }> {
    const breaker = slot.breaker.view();
    if (breaker.state === "open" && slot.breaker.retryInMs() > 0)
      return { status: "unavailable", error: circuitOpenMessage(slot) };
    if (slot.failedAt !== null) {
      // Checked again in the background: every call lists first, and must not wait on a server known down.
      if (Date.now() - slot.failedAt >= RECHECK_FAILED_SERVER_AFTER_MS) this.#refreshInBackground(slot);
      return { status: "unavailable", error: slot.connection.lastError ?? "unavailable" };
    }
    if (slot.catalog === null || this.#isStale(slot.catalog, slot)) {
      const cached = await readToolList(this.#options.kv, await slot.cacheKey);
      if (cached && (slot.catalog === null || cached.fetched_at > slot.catalog.fetchedAt)) {
        slot.catalog = { tools: cached.tools, fetchedAt: cached.fetched_at, complete: true };
      }
    }
    if (slot.catalog === null) return this.#fromRefresh(await this.#refresh(slot));
    if (this.#isStale(slot.catalog, slot)) this.#refreshInBackground(slot);
    return { status: slot.catalog.complete ? "ok" : "incomplete" };
  }

  #fromRefresh(outcome: RefreshOutcome): { status: SourceListing["status"]; error?: string } {
    if (!outcome.ok) return { status: "unavailable", error: outcome.message };
    return outcome.catalog.complete
      ? { status: "ok" }
      : { status: "incomplete", error: `more than ${MAX_LIST_PAGES} pages of tools` };
  }

  #isStale(catalog: Catalog, slot: Slot): boolean {
    return Date.now() - catalog.fetchedAt >= slot.staleAfterMs;
  }

  #refreshInBackground(slot: Slot): void {
    this.#options.waitUntil(this.#refresh(slot));
  }

  /** Fetches the server's list (shared while one runs), and stores it in memory and KV. Never throws. */
  #refresh(slot: Slot): Promise<RefreshOutcome> {
    slot.refreshing ??= this.#fetchCatalog(slot).finally(() => (slot.refreshing = undefined));
    return slot.refreshing;
  }

  async #fetchCatalog(slot: Slot): Promise<RefreshOutcome> {
    if (!slot.breaker.tryAcquire()) return { ok: false, message: circuitOpenMessage(slot) };
    const outcome = await slot.connection.request((client, options) => listAllTools(client, options), {
      signal: this.#lifetime.signal,
      timeoutMs: this.#options.settings.list_timeout_ms,
    });
    if (!outcome.ok) {
      if (outcome.failure === "cancelled") slot.breaker.release();
      else slot.breaker.fail();
      if (outcome.failure !== "cancelled") slot.failedAt = Date.now();
      return { ok: false, message: outcome.message };
    }
    slot.breaker.succeed();
    slot.failedAt = null;
    const catalog: Catalog = { tools: outcome.value.tools, fetchedAt: Date.now(), complete: outcome.value.complete };
    slot.catalog = catalog;
    if (catalog.complete) {
      const entry: CachedToolList = { server: slot.config.name, fetched_at: catalog.fetchedAt, tools: catalog.tools };
      await writeToolList(this.#options.kv, await slot.cacheKey, entry, this.#options.settings.tool_cache_ttl_seconds);
    }
    return { ok: true, catalog };
  }

  #toolGone(slot: Slot, tool: ToolDescriptor): ExecutionResult {
    this.#refreshInBackground(slot);
    return executionError("tool_error", `${tool.name}: ${slot.config.name} no longer offers the tool "${tool.original_name}"`);
  }

  /** Recomputes every name from the lists known now. */
  /** Names every tool again when a server's catalog was replaced since the last time (catalogs are never edited). */
  #rename(): void {
    const current = this.#slots.map((slot) => slot.catalog);
    if (current.every((catalog, i) => catalog === this.#namedCatalogs[i])) return;
    this.#namedCatalogs = current;
    const catalogs = new Map<string, string[]>();
    for (const slot of this.#slots) catalogs.set(slot.config.name, slot.catalog?.tools.map((t) => t.name) ?? []);
    const names = assignToolNames(this.#options.settings.tool_prefix, catalogs);
    this.#byName = new Map();
    for (const slot of this.#slots) {
      for (const tool of slot.catalog?.tools ?? []) {
        const name = names.get(toolKey({ server: slot.config.name, tool: tool.name }));
        if (name !== undefined) this.#byName.set(name, describe(name, slot.config.name, tool));
      }
    }
  }

  #descriptors(slot: Slot): ToolDescriptor[] {
    return [...this.#byName.values()].filter((d) => d.server === slot.config.name);
  }
}

/** Every page of `tools/list`, each entry reduced to what is kept. */
async function listAllTools(client: Client, options: RequestOptions): Promise<{ tools: UpstreamTool[]; complete: boolean }> {
  const tools: UpstreamTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const answer = await client.listTools(cursor === undefined ? {} : { cursor }, options);
    for (const tool of answer.tools) {
      tools.push({ name: tool.name, title: tool.title, description: tool.description, inputSchema: tool.inputSchema });
    }
    cursor = answer.nextCursor;
    if (!cursor) return { tools, complete: true };
  }
  return { tools, complete: false };
}

function describe(name: string, server: string, tool: UpstreamTool): ToolDescriptor {
  return {
    name,
    description: tool.description ?? tool.title ?? "",
    input_schema: { ...tool.inputSchema, type: "object" },
    source: "external",
    original_name: tool.name,
    server,
  };
}

function circuitOpenMessage(slot: Slot): string {
  const { consecutive_failures } = slot.breaker.view();
  const seconds = Math.ceil(slot.breaker.retryInMs() / 1000);
  return `${slot.config.name} failed ${consecutive_failures} times in a row: calls fail fast for ${seconds} s more, then one call probes it`;
}

/** Why a stdio entry is not used, and what to do instead. */
export function stdioMessage(server: StdioServerConfig): string {
  return (
    `stdio server "${server.name}" (command "${server.command}") cannot run on Cloudflare Workers, which cannot start processes: ` +
    `run it behind a stdio-to-HTTP bridge (for example \`npx -y supergateway --stdio "${[server.command, ...server.args].join(" ")}"\` ` +
    `or mcp-proxy) and configure the bridge's URL as this server's "url"`
  );
}

function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}
