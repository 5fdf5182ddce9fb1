/**
 * @module tools/external/server-slot
 * Everything the external source holds for one enabled server: its connection, its circuit breaker and the last
 * tool list it knows, with the rules that keep that list fresh.
 *
 * ## Listing (fails open)
 * The list in memory while fresh; else the KV cache (a stale entry is served and refreshed in the background);
 * else the upstream, within `list_timeout_ms`. A server that is down, slow, or behind an open circuit
 * contributes no tools and is reported `unavailable` with the reason. A server this session found down is tried
 * again in the background, so no listing waits on it. A warm cache answers a new session without any upstream
 * traffic.
 *
 * ## Refreshing
 * A list is fetched again when it is stale, when the server sends `notifications/tools/list_changed`, or when
 * a call finds the tool gone. Refreshes of one server are shared; a failed refresh keeps the last list.
 */
import type { FetchLike } from "@modelcontextprotocol/client";
import { type CachedToolList, readToolList, toolCacheKey, writeToolList } from "../../cache/tool-cache";
import type { HttpServerConfig } from "../../config/mcp-servers";
import type { ExternalConfig } from "../../config/schema";
import type { SourceListing } from "../../contract/tools";
import type { Logger } from "../../observability/log";
import { CircuitBreaker } from "./breaker";
import { type Catalog, listAllTools, MAX_LIST_PAGES } from "./catalog";
import { UpstreamConnection } from "./connection";
import type { UpstreamSessionStore } from "./upstream-session";

/** After a failed contact, listings do not try the server again (in the background) for this long. */
const RECHECK_FAILED_SERVER_AFTER_MS = 5_000;
/** Each session treats lists as stale a little later than the TTL, at random, so sessions do not all refresh at once. */
const STALENESS_JITTER = 0.2;

/** What every slot of a source shares. */
export interface SlotContext {
  settings: ExternalConfig;
  kv: KVNamespace;
  store: UpstreamSessionStore;
  /** How requests reach the server (see connect.ts `upstreamFetch`). */
  fetch: FetchLike;
  /** Aborted when the session ends: cancels the refreshes still running for it. */
  lifetime: AbortSignal;
  /** Keeps the object alive for background work (a refresh after serving a stale list). */
  waitUntil: (promise: Promise<unknown>) => void;
  /** A connection opened (see {@link UpstreamConnection}'s `onOpened`). */
  onConnectionOpened: () => void;
  /** A server's list was fetched anew (it may have changed). */
  onCatalogChanged?: () => void;
  /** A server went down or came back, or its circuit opened or closed, as this session sees it. */
  onServerEvent?: (event: ServerEvent) => void;
  /** The session's logger, for the connection's and the tool cache's own lines. */
  logger: Logger;
}

/** A change in a server's health as one session sees it (told once per change, not once per request). */
export interface ServerEvent {
  server: string;
  kind: "upstream_down" | "upstream_up" | "breaker_opened" | "breaker_closed";
  /** Why the server went down, or its circuit opened. */
  reason?: string;
}

/** A server's state in a listing, and why it lists no tools. */
export interface ListingState {
  status: SourceListing["status"];
  error?: string;
}

type RefreshOutcome = { ok: true; catalog: Catalog } | { ok: false; message: string };

export class ServerSlot {
  readonly connection: UpstreamConnection;
  readonly breaker: CircuitBreaker;
  /** When a request last found the server unreachable; null once one reached it again. */
  failedAt: number | null = null;
  readonly #context: SlotContext;
  readonly #cacheKey: Promise<string>;
  readonly #staleAfterMs: number;
  #refreshing: Promise<RefreshOutcome> | undefined;

  constructor(
    readonly config: HttpServerConfig,
    /** The last list known; replaced, never edited. */
    public catalog: Catalog | null,
    context: SlotContext,
  ) {
    const { settings } = context;
    this.#context = context;
    this.#cacheKey = toolCacheKey(config);
    this.#staleAfterMs = settings.tool_cache_ttl_seconds * 1000 * (1 + STALENESS_JITTER * Math.random());
    const tell = (kind: ServerEvent["kind"], reason?: string) =>
      context.onServerEvent?.({ server: config.name, kind, ...(reason === undefined ? {} : { reason }) });
    this.breaker = new CircuitBreaker({
      failureThreshold: settings.breaker.failure_threshold,
      cooldownMs: settings.breaker.cooldown_ms,
      // Half-open and back is the probe's business: only a circuit that opened from closed, or closed again, is told.
      onChange: (from, to) => {
        if (to === "open" && from === "closed") tell("breaker_opened", this.circuitOpenMessage());
        else if (to === "closed") tell("breaker_closed");
      },
    });
    this.connection = new UpstreamConnection(config, {
      connectAttempts: settings.connect_attempts,
      connectBackoffMs: settings.connect_backoff_ms,
      connectTimeoutMs: settings.connect_timeout_ms,
      store: context.store,
      fetch: context.fetch,
      logger: context.logger,
      onToolsChanged: () => this.refreshInBackground(),
      onOpened: () => context.onConnectionOpened(),
      // Listed as unavailable from now on, and checked again in the background like any server found down.
      onBroken: () => (this.failedAt = Date.now()),
      onHealthChanged: (up, reason) => (up ? tell("upstream_up") : tell("upstream_down", reason ?? undefined)),
    });
  }

  /** Whether the server's tools can be listed now, bringing its list up to date as the header says. */
  async listingState(): Promise<ListingState> {
    const breaker = this.breaker.view();
    if (breaker.state === "open" && this.breaker.retryInMs() > 0)
      return { status: "unavailable", error: this.circuitOpenMessage() };
    if (this.failedAt !== null) {
      // Checked again in the background: every call lists first, and must not wait on a server known down.
      if (Date.now() - this.failedAt >= RECHECK_FAILED_SERVER_AFTER_MS) this.refreshInBackground();
      return { status: "unavailable", error: this.connection.lastError ?? "unavailable" };
    }
    if (this.catalog === null || this.#isStale(this.catalog)) {
      const cached = await readToolList(this.#context.kv, await this.#cacheKey);
      if (cached && (this.catalog === null || cached.fetched_at > this.catalog.fetchedAt)) {
        this.catalog = { tools: cached.tools, fetchedAt: cached.fetched_at, complete: true };
      }
    }
    if (this.catalog === null) return fromRefresh(await this.#refresh());
    if (this.#isStale(this.catalog)) this.refreshInBackground();
    return { status: this.catalog.complete ? "ok" : "incomplete" };
  }

  refreshInBackground(): void {
    this.#context.waitUntil(this.#refresh());
  }

  /** Why calls fail fast while the circuit is open, and for how long (or that a probe is deciding now). */
  circuitOpenMessage(): string {
    const { consecutive_failures } = this.breaker.view();
    const waitMs = this.breaker.retryInMs();
    const next =
      waitMs > 0
        ? `calls fail fast for ${Math.ceil(waitMs / 1000)} s more, then one call probes it`
        : "one call is probing it now, and the others fail fast until it answers";
    return `${this.config.name} failed ${consecutive_failures} times in a row: ${next}`;
  }

  #isStale(catalog: Catalog): boolean {
    return Date.now() - catalog.fetchedAt >= this.#staleAfterMs;
  }

  /** Fetches the server's list (shared while one runs), and stores it in memory and KV. Never throws. */
  #refresh(): Promise<RefreshOutcome> {
    this.#refreshing ??= this.#fetchCatalog().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #fetchCatalog(): Promise<RefreshOutcome> {
    // Not the half-open probe: that one is kept for a call (see CircuitBreaker.allowsBackgroundCheck).
    if (!this.breaker.allowsBackgroundCheck()) return { ok: false, message: this.circuitOpenMessage() };
    const { settings, kv, lifetime } = this.#context;
    const outcome = await this.connection.request(({ client }, options) => listAllTools(client, options), {
      signal: lifetime,
      timeoutMs: settings.list_timeout_ms,
    });
    if (!outcome.ok) {
      if (outcome.failure !== "cancelled") {
        this.breaker.fail();
        this.failedAt = Date.now();
      }
      return { ok: false, message: outcome.message };
    }
    this.breaker.succeed();
    this.failedAt = null;
    const catalog: Catalog = { tools: outcome.value.tools, fetchedAt: Date.now(), complete: outcome.value.complete };
    this.catalog = catalog;
    this.#context.onCatalogChanged?.();
    if (catalog.complete) {
      const entry: CachedToolList = { server: this.config.name, fetched_at: catalog.fetchedAt, tools: catalog.tools };
      await writeToolList(kv, await this.#cacheKey, entry, settings.tool_cache_ttl_seconds, this.#context.logger);
    }
    return { ok: true, catalog };
  }
}

function fromRefresh(outcome: RefreshOutcome): ListingState {
  if (!outcome.ok) return { status: "unavailable", error: outcome.message };
  return outcome.catalog.complete
    ? { status: "ok" }
    : { status: "incomplete", error: `more than ${MAX_LIST_PAGES} pages of tools` };
}
