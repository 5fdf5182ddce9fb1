/**
 * @module tools/external/connection
 * One session's connection to one upstream MCP server: opened lazily by the first request that needs it,
 * reused by every later one (a tool call never re-runs `initialize`), and re-opened by itself after the
 * upstream restarts or the Durable Object wakes. This file holds its state machine and the request path;
 * opening an upstream session (attempts, backoff, transports) is connect.ts.
 *
 * ## States
 * - `idle` → `connecting` on the first request.
 * - `connecting` → `ready` once initialized (or once a stored Streamable HTTP session is reattached, which
 *   costs no request) → `failed` when every attempt (`connect_attempts`, doubling backoff) failed, or when
 *   `connect_timeout_ms` passed first.
 * - A connect is shared by every request that needs it and runs on its own deadline: a request stops waiting
 *   at its own, and the connect carries on for the others. Reaching the deadline (or `close()`) closes the
 *   transport, which ends whatever the connect is stuck on (an SSE stream that never names its endpoint).
 * - `ready` → `failed` when a request finds the server unreachable, when the stream carrying a request's answer
 *   drops (see answer-watch.ts and direct-call.ts), or when the SSE stream breaks (`onBroken` tells the owner,
 *   as no request may be running to say so); the next request connects again (`failed` → `connecting`).
 * - `ready` → `idle` by {@link UpstreamConnection.closeIdle} when no request runs: its streams end, a stored
 *   Streamable HTTP session is kept for the next request to resume.
 * - `ready`: a request the server rejects because it no longer knows our session (restart, expiry) initializes
 *   a new session and is sent once more.
 * - any → `closed` by {@link UpstreamConnection.close}; a closed connection takes no requests.
 * - Entering `failed` marks the server down and the next `ready` marks it up again; each change is told once
 *   (`onHealthChanged`), for the log and the tenant's view of its servers.
 *
 * ## Resuming
 * Opening (connect.ts) stores a Streamable HTTP session in the upstream-session store (upstream-session.ts), so
 * a woken object carries on with the same upstream session; a request that finds it stale clears it.
 */
import { type Client, type RequestOptions, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { HttpServerConfig } from "../../config/mcp-servers";
import { ConnectionState, type UpstreamTransport } from "../../contract/servers";
import { abortReason, raceAbort, timeoutSignal } from "../../util/abort";
import { type ConnectSettings, connectWithRetries, type OpenedClient } from "./connect";
import { classifyUpstreamError, UpstreamFailure, unsupportedResultMessage, upstreamMessage } from "./errors";

/** The connection's states, as the contract lists them. */
const State = ConnectionState.enum;

export interface ConnectionOptions extends ConnectSettings {
  /** The connection is open (and may hold a stream) until {@link UpstreamConnection.closeIdle} closes it. */
  onOpened: () => void;
  /** The connection broke by itself, with no request to say so (an SSE session's stream ended): now `failed`. */
  onBroken: () => void;
  /**
   * The server went down (the connection became `failed`, `reason` says why) or came back (`ready` again after
   * being down): told once per change, not once per failed request.
   */
  onHealthChanged?: (up: boolean, reason: string | null) => void;
}

/** How a request ended: its value, or why not. `cancelled` means the caller's signal, not the server. */
export type RequestOutcome<T> =
  { ok: true; value: T } | { ok: false; failure: Exclude<UpstreamFailure, "stale_session"> | "cancelled"; message: string };

export interface RequestLimits {
  /** The caller's signal (the session's lifetime): aborting it cancels the request upstream too. */
  signal?: AbortSignal;
  timeoutMs: number;
}

export class UpstreamConnection {
  #state: ConnectionState = State.idle;
  #opened: OpenedClient | undefined;
  #transportInUse: UpstreamTransport | null = null;
  #connecting: Promise<OpenedClient> | undefined;
  /** Aborts the connect in progress: {@link close} does. */
  #stopConnecting: AbortController | undefined;
  #lastError: string | null = null;
  #lastLatencyMs: number | null = null;
  /** Requests running now, and when the last one ended: what the idle close goes by. */
  #inFlight = 0;
  #lastActiveAt = 0;
  /** Whether the server is down as far as this connection knows: it failed, and has not been ready since. */
  #down = false;
  /** Clients dropped because the server no longer knew their session: requests that ran on them are sent again. */
  readonly #staleClients = new WeakSet<Client>();

  constructor(
    readonly server: HttpServerConfig,
    private readonly options: ConnectionOptions,
  ) {}

  get state(): ConnectionState {
    return this.#state;
  }
  get transportInUse(): UpstreamTransport | null {
    return this.#transportInUse;
  }
  get lastError(): string | null {
    return this.#lastError;
  }
  get lastLatencyMs(): number | null {
    return this.#lastLatencyMs;
  }

  /**
   * Runs one request on the connection, connecting first when needed, within `limits.timeoutMs` (connecting
   * included). Never throws: failures are outcomes.
   */
  async request<T>(
    run: (opened: OpenedClient, options: RequestOptions) => Promise<T>,
    limits: RequestLimits,
  ): Promise<RequestOutcome<T>> {
    if (this.#state === State.closed) return { ok: false, failure: "unavailable", message: "connection closed" };
    this.#inFlight++;
    const deadline = timeoutSignal(limits.timeoutMs);
    try {
      return await this.#request(run, limits, deadline.signal);
    } finally {
      deadline.clear();
      this.#inFlight--;
      this.#lastActiveAt = Date.now();
    }
  }

  /**
   * Since when the connection has held an open transport with no request running: now while a request or a
   * connect runs, null when it holds no transport.
   */
  idleSince(): number | null {
    if (this.#inFlight > 0 || this.#state === State.connecting) return Date.now();
    return this.#opened ? this.#lastActiveAt : null;
  }

  /**
   * Closes the transport, and the streams it holds, unless a request runs: back to `idle`. The stored Streamable
   * HTTP session is kept, so the next request resumes it without `initialize` (and so without the GET stream
   * the SDK opens after `initialize`); an SSE session ends with its stream.
   */
  closeIdle(): void {
    if (this.#state !== State.ready || this.#inFlight > 0) return;
    this.#drop(State.idle);
  }

  async #request<T>(
    run: (opened: OpenedClient, options: RequestOptions) => Promise<T>,
    limits: RequestLimits,
    deadline: AbortSignal,
  ): Promise<RequestOutcome<T>> {
    const signal = limits.signal ? AbortSignal.any([limits.signal, deadline]) : deadline;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let client: Client | undefined;
      let hadSession = false;
      try {
        const opened = await this.#connected(signal);
        client = opened.client;
        hadSession = opened.transport instanceof StreamableHTTPClientTransport && opened.transport.sessionId !== undefined;
        const remaining = Math.max(1, limits.timeoutMs - (Date.now() - started));
        const value = await run(opened, { signal, timeout: remaining, maxTotalTimeout: remaining });
        this.#lastLatencyMs = Date.now() - started;
        this.#lastError = null;
        return { ok: true, value };
      } catch (error) {
        if (limits.signal?.aborted)
          return { ok: false, failure: "cancelled", message: `cancelled: ${abortReason(limits.signal)}` };
        const failure = deadline.aborted ? UpstreamFailure.timeout : classifyUpstreamError(error, hadSession);
        // The server forgot our session (it restarted): start a new one and send the request again. A request
        // that ran on the same session at the same time is sent again too (its client was dropped under it).
        const stale = failure === UpstreamFailure.stale_session || (client !== undefined && this.#staleClients.has(client));
        if (stale && attempt === 1) {
          if (client === this.#opened?.client && client !== undefined) {
            this.options.store.clear(this.server.name);
            this.#staleClients.add(client);
            this.#drop(State.idle);
          }
          continue;
        }
        // Before a client, the connect's message says why; a client dropped meanwhile, why it was dropped.
        const message =
          failure === UpstreamFailure.timeout
            ? `no answer from ${this.server.name} within ${limits.timeoutMs} ms`
            : failure === UpstreamFailure.unsupported_result
              ? unsupportedResultMessage(this.server.name, error)
              : client !== undefined && client === this.#opened?.client
                ? upstreamMessage(error)
                : (this.#lastError ?? upstreamMessage(error));
        if (failure === UpstreamFailure.unavailable || failure === UpstreamFailure.stale_session) {
          this.#lastError = message;
          // A 2026-07-28 server is found again by `server/discover` next time: it may have been redeployed as
          // another era. (A 2025-era session is kept: the next request finds out whether the server still knows it.)
          if (client?.getProtocolEra() === "modern") this.options.store.clear(this.server.name);
          // Unless another request has connected again since.
          if (client === this.#opened?.client) this.#drop(State.failed);
          return { ok: false, failure: UpstreamFailure.unavailable, message };
        }
        if (failure === UpstreamFailure.timeout) this.#lastError = message;
        return { ok: false, failure, message };
      }
    }
  }

  /**
   * Closes the connection for good. The upstream session is left alone: the session object ends it from what
   * it stored (see end-sessions.ts), whether or not a connection is open.
   */
  close(): void {
    this.#stopConnecting?.abort(new Error("connection closed"));
    this.#drop(State.closed);
  }

  /** The ready client, connecting (shared by concurrent requests) when there is none; `signal` only stops the waiting. */
  async #connected(signal: AbortSignal): Promise<OpenedClient> {
    if (this.#opened && this.#state === State.ready) return this.#opened;
    this.#connecting ??= this.#connectWithRetries().finally(() => (this.#connecting = undefined));
    const connecting = this.#connecting;
    return raceAbort(signal, () => connecting);
  }

  /** Connects within `connectTimeoutMs`, whatever the requests waiting for it do. */
  async #connectWithRetries(): Promise<OpenedClient> {
    this.#state = State.connecting;
    const stop = new AbortController();
    this.#stopConnecting = stop;
    const outcome = await connectWithRetries(this.server, this.options, stop.signal);
    this.#stopConnecting = undefined;
    if (!outcome.ok) {
      this.#lastError = outcome.message;
      if (this.state !== State.closed) this.#enter(State.failed);
      throw outcome.error;
    }
    this.#adopt(outcome.opened);
    this.#enter(State.ready);
    this.options.onOpened();
    return outcome.opened;
  }

  /** Takes an opened client as the connection's, and drops it again when it closes or (SSE) its stream breaks. */
  #adopt(opened: OpenedClient): void {
    const { client, kind } = opened;
    client.onclose = () => {
      if (this.#opened?.client !== client) return;
      this.#lastError = `${this.server.name}: the connection closed`;
      this.#drop(State.failed);
      this.options.onBroken();
    };
    if (kind === "sse") {
      // An SSE session lives and dies with its stream: once it breaks, the next request starts a new one.
      client.onerror = (error) => {
        if (this.#opened?.client !== client) return;
        this.#lastError = `${this.server.name}: event stream lost: ${upstreamMessage(error)}`;
        // The connection failed.
        this.options.logger.warn("upstream_event_stream_lost", { server: this.server.name, reason: this.#lastError });
        this.#drop(State.failed);
        this.options.onBroken();
      };
    }
    this.#opened = opened;
    this.#transportInUse = kind;
  }

  /** Forgets the client (closing it in the background) and moves to `next`. */
  #drop(next: ConnectionState): void {
    const opened = this.#opened;
    const client = opened?.client;
    this.#opened = undefined;
    opened?.lifetime.abort(new Error(`${this.server.name}: the connection closed`));
    if (this.#state !== State.closed) this.#enter(next);
    if (client) void client.close().catch(() => undefined);
  }

  /** Moves to `next`, telling the owner when the server went down or came back. */
  #enter(next: ConnectionState): void {
    this.#state = next;
    if (next === State.failed && !this.#down) {
      this.#down = true;
      this.options.onHealthChanged?.(false, this.#lastError);
    } else if (next === State.ready && this.#down) {
      this.#down = false;
      this.options.onHealthChanged?.(true, null);
    }
  }
}
