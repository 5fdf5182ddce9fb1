/**
 * @module tools/external/connection
 * One session's connection to one upstream MCP server: opened lazily by the first request that needs it,
 * reused by every later one (a tool call never re-runs `initialize`), and re-opened by itself after the
 * upstream restarts or the Durable Object wakes.
 *
 * ## States
 * - `idle` → `connecting` on the first request.
 * - `connecting` → `ready` once initialized (or once a stored Streamable HTTP session is reattached, which
 *   costs no request) → `failed` when every attempt (`connect_attempts`, doubling backoff) failed, or when
 *   `connect_timeout_ms` passed first.
 * - A connect is shared by every request that needs it and runs on its own deadline: a request stops waiting
 *   at its own, and the connect carries on for the others. Reaching the deadline (or `close()`) closes the
 *   transport, which ends whatever the connect is stuck on (an SSE stream that never names its endpoint).
 * - `ready` → `failed` when a request finds the server unreachable or the SSE stream breaks; the next request
 *   connects again (`failed` → `connecting`).
 * - `ready` → `idle` by {@link UpstreamConnection.closeIdle} when no request runs: its streams end, a stored
 *   Streamable HTTP session is kept for the next request to resume.
 * - `ready`: a request the server rejects because it no longer knows our session (restart, expiry) initializes
 *   a new session and is sent once more.
 * - any → `closed` by {@link UpstreamConnection.close}; a closed connection takes no requests.
 *
 * ## Resuming
 * A Streamable HTTP session id and protocol version are handed to the {@link UpstreamSessionStore} (the
 * session's SQLite), so a woken object carries on with the same upstream session. SSE sessions live only as
 * long as their stream, so nothing is stored for them.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import packageJson from "../../../package.json";
import type { HttpServerConfig } from "../../config/mcp-servers";
import type { UpstreamTransport } from "../../contract/servers";
import { classifyUpstreamError, meansTryLegacySse, UpstreamFailure, upstreamMessage } from "./errors";
import { SseClientTransport } from "./sse-transport";
import { timeoutSignal } from "./timeout-signal";

export const ConnectionState = {
  idle: "idle",
  connecting: "connecting",
  ready: "ready",
  failed: "failed",
  closed: "closed",
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

/** What is kept of an upstream session so a woken object can resume it without `initialize`. */
export interface StoredUpstreamSession {
  /** The server's URL when the session was opened: a session of another endpoint is not resumed. */
  url: string;
  transport: UpstreamTransport;
  session_id: string;
  protocol_version: string;
}

/** Where a connection keeps its resumable session (the session object's SQLite). */
export interface UpstreamSessionStore {
  load(server: string): StoredUpstreamSession | null;
  save(server: string, session: StoredUpstreamSession): void;
  clear(server: string): void;
}

export interface ConnectionOptions {
  connectAttempts: number;
  connectBackoffMs: number;
  /** How long a connect may take, attempts and backoff included, whoever waits for it. */
  connectTimeoutMs: number;
  store: UpstreamSessionStore;
  /** The server said its tool list changed (`notifications/tools/list_changed`). */
  onToolsChanged: () => void;
  /** The connection is open (and may hold a stream) until {@link UpstreamConnection.closeIdle} closes it. */
  onOpened: () => void;
}

/** How a request ended: its value, or why not. `cancelled` means the caller's signal, not the server. */
export type RequestOutcome<T> =
  { ok: true; value: T } | { ok: false; failure: Exclude<UpstreamFailure, "stale_session"> | "cancelled"; message: string };

export interface RequestLimits {
  /** The caller's signal (the session's lifetime): aborting it cancels the request upstream too. */
  signal?: AbortSignal;
  timeoutMs: number;
}

const CLIENT_INFO = { name: packageJson.name, version: packageJson.version };

export class UpstreamConnection {
  #state: ConnectionState = ConnectionState.idle;
  #client: Client | undefined;
  #transport: StreamableHTTPClientTransport | SseClientTransport | undefined;
  #transportInUse: UpstreamTransport | null = null;
  #connecting: Promise<Client> | undefined;
  /** Aborts the connect in progress: {@link close} does. */
  #stopConnecting: AbortController | undefined;
  #lastError: string | null = null;
  #lastLatencyMs: number | null = null;
  /** Requests running now, and when the last one ended: what the idle close goes by. */
  #inFlight = 0;
  #lastActiveAt = 0;

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
    run: (client: Client, options: RequestOptions) => Promise<T>,
    limits: RequestLimits,
  ): Promise<RequestOutcome<T>> {
    if (this.#state === ConnectionState.closed) return { ok: false, failure: "unavailable", message: "connection closed" };
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
    if (this.#inFlight > 0 || this.#state === ConnectionState.connecting) return Date.now();
    return this.#client ? this.#lastActiveAt : null;
  }

  /**
   * Closes the transport, and the streams it holds, unless a request runs: back to `idle`. The stored Streamable
   * HTTP session is kept, so the next request resumes it without `initialize` (and so without the GET stream
   * the SDK opens after `initialize`); an SSE session ends with its stream.
   */
  closeIdle(): void {
    if (this.#state !== ConnectionState.ready || this.#inFlight > 0) return;
    this.#drop(ConnectionState.idle);
  }

  async #request<T>(
    run: (client: Client, options: RequestOptions) => Promise<T>,
    limits: RequestLimits,
    deadline: AbortSignal,
  ): Promise<RequestOutcome<T>> {
    const signal = limits.signal ? AbortSignal.any([limits.signal, deadline]) : deadline;
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      let connected = false;
      let hadSession = false;
      try {
        const client = await this.#connected(signal);
        connected = true;
        hadSession = this.#transport instanceof StreamableHTTPClientTransport && this.#transport.sessionId !== undefined;
        const remaining = Math.max(1, limits.timeoutMs - (Date.now() - started));
        const value = await run(client, { signal, timeout: remaining, maxTotalTimeout: remaining });
        this.#lastLatencyMs = Date.now() - started;
        this.#lastError = null;
        return { ok: true, value };
      } catch (error) {
        if (limits.signal?.aborted)
          return { ok: false, failure: "cancelled", message: `cancelled: ${reasonText(limits.signal)}` };
        const failure = deadline.aborted ? UpstreamFailure.timeout : classifyUpstreamError(error, hadSession);
        if (failure === UpstreamFailure.stale_session && attempt === 1) {
          // The server forgot our session (it restarted): start a new one and send the request again.
          this.options.store.clear(this.server.name);
          this.#drop(ConnectionState.idle);
          continue;
        }
        const message =
          failure === UpstreamFailure.timeout
            ? `no answer from ${this.server.name} within ${limits.timeoutMs} ms`
            : connected
              ? upstreamMessage(error)
              : (this.#lastError ?? upstreamMessage(error));
        if (failure === UpstreamFailure.unavailable || failure === UpstreamFailure.stale_session) {
          this.#lastError = message;
          this.#drop(ConnectionState.failed);
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
    this.#drop(ConnectionState.closed);
  }

  /** The ready client, connecting (shared by concurrent requests) when there is none; `signal` only stops the waiting. */
  async #connected(signal: AbortSignal): Promise<Client> {
    if (this.#client && this.#state === ConnectionState.ready) return this.#client;
    this.#connecting ??= this.#connectWithRetries().finally(() => (this.#connecting = undefined));
    return raceAbort(this.#connecting, signal);
  }

  /** Connects within `connectTimeoutMs`, whatever the requests waiting for it do. */
  async #connectWithRetries(): Promise<Client> {
    this.#state = ConnectionState.connecting;
    const stop = new AbortController();
    this.#stopConnecting = stop;
    const deadline = timeoutSignal(this.options.connectTimeoutMs);
    const signal = AbortSignal.any([stop.signal, deadline.signal]);
    let lastError: unknown;
    try {
      for (let attempt = 0; attempt < this.options.connectAttempts; attempt++) {
        try {
          if (attempt > 0) await sleep(this.options.connectBackoffMs * 2 ** (attempt - 1), signal);
          const client = await this.#connectOnce(signal);
          this.#state = ConnectionState.ready;
          this.options.onOpened();
          return client;
        } catch (error) {
          lastError = error;
          if (signal.aborted) break;
        }
      }
    } finally {
      this.#stopConnecting = undefined;
      deadline.clear();
    }
    this.#lastError = deadline.signal.aborted
      ? `cannot connect to ${this.server.name} within ${this.options.connectTimeoutMs} ms`
      : `cannot connect to ${this.server.name}: ${upstreamMessage(lastError)}`;
    if (this.state !== ConnectionState.closed) this.#state = ConnectionState.failed;
    throw lastError;
  }

  /** One attempt: reattach a stored session, or open a new one with the configured transport. */
  async #connectOnce(signal: AbortSignal): Promise<Client> {
    const stored = this.options.store.load(this.server.name);
    if (stored !== null && stored.transport === "streamable-http" && stored.url === this.server.url) {
      const transport = new StreamableHTTPClientTransport(new URL(this.server.url), {
        sessionId: stored.session_id,
        requestInit: { headers: this.server.headers },
      });
      // Before #open, which stores the session again with the transport's protocol version.
      transport.setProtocolVersion(stored.protocol_version);
      return this.#open(transport, "streamable-http", signal);
    }
    if (this.server.transport === "sse") return this.#open(this.#sseTransport(), "sse", signal);
    try {
      return await this.#open(this.#streamableTransport(), "streamable-http", signal);
    } catch (error) {
      if (this.server.transport === "auto" && !signal.aborted && meansTryLegacySse(error)) {
        return this.#open(this.#sseTransport(), "sse", signal);
      }
      throw error;
    }
  }

  async #open(
    transport: StreamableHTTPClientTransport | SseClientTransport,
    kind: UpstreamTransport,
    signal: AbortSignal,
  ): Promise<Client> {
    signal.throwIfAborted();
    const client = new Client(CLIENT_INFO, { capabilities: {}, jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.options.onToolsChanged());
    // The SDK hands `signal` to the initialize request, not to transport.start() (the SSE GET waiting for its
    // endpoint event): closing the transport ends that too.
    const closeTransport = () => void transport.close().catch(() => undefined);
    signal.addEventListener("abort", closeTransport, { once: true });
    try {
      await client.connect(transport, { signal });
      signal.throwIfAborted();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw error;
    } finally {
      signal.removeEventListener("abort", closeTransport);
    }
    client.onclose = () => {
      if (this.#client === client) this.#drop(ConnectionState.failed);
    };
    if (kind === "sse") {
      // An SSE session lives and dies with its stream: once it breaks, the next request starts a new one.
      client.onerror = (error) => {
        if (this.#client !== client) return;
        this.#lastError = `${this.server.name}: event stream lost: ${upstreamMessage(error)}`;
        this.#drop(ConnectionState.failed);
      };
    }
    this.#client = client;
    this.#transport = transport;
    this.#transportInUse = kind;
    if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
      this.options.store.save(this.server.name, {
        url: this.server.url,
        transport: kind,
        session_id: transport.sessionId,
        protocol_version: transport.protocolVersion ?? "",
      });
    }
    return client;
  }

  #streamableTransport(): StreamableHTTPClientTransport {
    return new StreamableHTTPClientTransport(new URL(this.server.url), { requestInit: { headers: this.server.headers } });
  }

  #sseTransport(): SseClientTransport {
    return new SseClientTransport(new URL(this.server.url), this.server.headers);
  }

  /** Forgets the client (closing it in the background) and moves to `next`. */
  #drop(next: ConnectionState): void {
    const client = this.#client;
    this.#client = undefined;
    this.#transport = undefined;
    if (this.#state !== ConnectionState.closed) this.#state = next;
    if (client) void client.close().catch(() => undefined);
  }
}

function reasonText(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : String(reason);
}

/** Waits `ms`, or less when `signal` aborts (then rejects with its reason). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** `promise`, or the signal's reason as soon as it aborts (the promise itself keeps running for others). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
