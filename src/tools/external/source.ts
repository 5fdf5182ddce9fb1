/**
 * @module tools/external/source
 * The operator's external MCP servers as one {@link ToolSource} of a session: listing (each server's slot keeps
 * its list fresh, see server-slot.ts), naming, calling a tool, and the session's end. It lives as long as the
 * session's Durable Object and holds one {@link ServerSlot} per enabled HTTP server.
 *
 * ## Names
 * Computed over every server's last known list (see naming.ts), so a server going down renames nothing, and
 * its tools stay resolvable: a call then gets `upstream_unavailable` rather than `tool_not_found`.
 *
 * ## Idle connections
 * A connection with no request for `idle_close_seconds` is closed by {@link ExternalToolSource.closeIdle}, which
 * the session's alarm runs (by {@link ExternalToolSource.nextIdleCloseAt}): an open stream keeps the Durable
 * Object from hibernating. Streamable HTTP sessions are resumed by the next call without `initialize`; while
 * closed, the server's list_changed notifications are not heard, and the tool-list TTL picks changes up.
 */
import type { FetchLike, Progress } from "@modelcontextprotocol/client";
import type { HttpServerConfig, McpServerConfig, StdioServerConfig } from "../../config/mcp-servers";
import type { ExternalConfig } from "../../config/schema";
import { executionError, fromCallToolResult } from "../result";
import type { ExecutionResult } from "../../contract/execution";
import type { JobProgress } from "../../contract/jobs";
import type { ServerStatus } from "../../contract/servers";
import type { Logger } from "../../observability/log";
import type { SourceListing, ToolDescriptor } from "../../contract/tools";
import type { CallOptions, ToolSource } from "../types";
import { type Catalog, toolDescriptor } from "./catalog";
import { callTool } from "./direct-call";
import { meansToolGone } from "./errors";
import { assignToolNames, toolKey } from "./naming";
import { type ServerEvent, ServerSlot, type SlotContext } from "./server-slot";
import { serverStatuses, stdioMessage } from "./status";
import type { UpstreamSessionStore } from "./upstream-session";

// The status view's type, for those who take it from the source.

export interface ExternalSourceOptions {
  servers: readonly McpServerConfig[];
  settings: ExternalConfig;
  kv: KVNamespace;
  store: UpstreamSessionStore;
  /** How requests reach the servers (see connect.ts `upstreamFetch`). */
  fetch: FetchLike;
  /** Keeps the object alive for background work (a refresh after serving a stale list). */
  waitUntil: (promise: Promise<unknown>) => void;
  /** A connection opened: from now on {@link ExternalToolSource.closeIdle} must run by {@link ExternalToolSource.nextIdleCloseAt}. */
  onConnectionOpened: () => void;
  /** A server's list was fetched anew: the session lists its tools again to report what changed. */
  onCatalogChanged?: () => void;
  /** A server went down or came back, or its circuit opened or closed (see {@link ServerEvent}). */
  onServerEvent?: (event: ServerEvent) => void;
  /** The session's logger: its connections' failures are written on it. */
  logger: Logger;
}

export class ExternalToolSource implements ToolSource {
  readonly kind = "external" as const;
  readonly #options: ExternalSourceOptions;
  #slots: ServerSlot[];
  /** Aborted by {@link reset}: cancels listings and refreshes still running for the old session. */
  #lifetime = new AbortController();
  #byName = new Map<string, ToolDescriptor>();
  /** Each slot's catalog as it was when {@link #byName} was last built. */
  #namedCatalogs: ReadonlyArray<Catalog | null> = [];

  constructor(options: ExternalSourceOptions) {
    this.#options = options;
    const context = this.#slotContext();
    this.#slots = this.#httpServers().map((config) => new ServerSlot(config, null, context));
  }

  async listTools(): Promise<SourceListing[]> {
    const states = await Promise.all(this.#slots.map((slot) => slot.listingState()));
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
    if (!slot.breaker.tryAcquire()) return executionError("upstream_unavailable", slot.circuitOpenMessage());
    const { settings, fetch, logger } = this.#options;
    const route = { server: slot.config, fetch, logger };
    const timeoutMs = Math.min(
      options.timeoutMs ?? slot.config.timeout_ms ?? settings.call_timeout_ms,
      settings.max_call_timeout_ms,
    );
    const outcome = await slot.connection.request(
      (opened, requestOptions) =>
        callTool(
          opened,
          route,
          { name: tool.original_name, arguments: args },
          {
            ...requestOptions,
            // With a callback a progressToken is sent, and each `notifications/progress` for it handed to it.
            onprogress: options.onProgress && ((p) => options.onProgress?.(progressOf(p))),
          },
        ),
      { signal: options.signal, timeoutMs },
    );
    if (outcome.ok) {
      slot.breaker.succeed();
      slot.failedAt = null;
      const result = fromCallToolResult(tool.name, outcome.value);
      if (!result.success && meansToolGone(result.error?.message ?? "")) return toolGone(slot, tool);
      options.onMcpResult?.(outcome.value);
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
      case "unsupported_result":
        // The server is up; what it answered (input_required, a task) is what this call cannot use.
        slot.breaker.succeed();
        return executionError("upstream_unsupported_result", `${tool.name}: ${outcome.message}`);
      case "rejected":
        // The server answered: it is up, the request was refused.
        slot.breaker.succeed();
        if (meansToolGone(outcome.message)) return toolGone(slot, tool);
        return executionError("tool_error", `${tool.name}: ${outcome.message}`);
    }
  }

  /** Every configured server, in configuration order, with what this session knows of it. */
  status(): ServerStatus[] {
    return serverStatuses(this.#options.servers, this.#slots);
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
    const context = this.#slotContext();
    this.#slots = old.map((slot) => new ServerSlot(slot.config, slot.catalog, context));
    for (const slot of old) slot.connection.close();
  }

  #slotContext(): SlotContext {
    const { settings, kv, store, fetch, logger, waitUntil, onConnectionOpened, onCatalogChanged, onServerEvent } = this.#options;
    const lifetime = this.#lifetime.signal;
    return { settings, kv, store, fetch, logger, waitUntil, onConnectionOpened, onCatalogChanged, onServerEvent, lifetime };
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
        if (name !== undefined) this.#byName.set(name, toolDescriptor(name, slot.config.name, tool));
      }
    }
  }

  #descriptors(slot: ServerSlot): ToolDescriptor[] {
    return [...this.#byName.values()].filter((d) => d.server === slot.config.name);
  }
}

/** A progress notification's params as a job shows them. */
function progressOf(notification: Progress): JobProgress {
  const progress: JobProgress = { progress: notification.progress };
  if (notification.total !== undefined) progress.total = notification.total;
  if (notification.message !== undefined) progress.message = notification.message;
  return progress;
}

/** A call found the tool gone: the list is fetched again, and the caller is told. */
function toolGone(slot: ServerSlot, tool: ToolDescriptor): ExecutionResult {
  slot.refreshInBackground();
  return executionError("tool_error", `${tool.name}: ${slot.config.name} no longer offers the tool "${tool.original_name}"`);
}
