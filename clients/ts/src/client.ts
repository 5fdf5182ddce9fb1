/**
 * The gateway's client of the MCP tool service (the design's ServiceClient): bind a device session, list its
 * tools for the LLM, execute them, read and end the session, deliver a device frame, open the device relay —
 * with per-call timeouts, retries with jittered backoff for idempotent calls only, a circuit breaker, and the
 * design's rollout controls (use_service, traffic_split, fallback to the gateway's own MCP manager).
 * Node 22+ (global fetch and WebSocket); no dependencies.
 */
import { randomBytes } from "node:crypto";
import { CircuitBreaker, type BreakerState } from "./breaker.ts";
import { ClientCode, ServiceError } from "./errors.ts";
import { DeviceRelay, type RelayOptions } from "./relay.ts";
import { inTrafficSplit } from "./split.ts";
import type {
  BindRequest,
  BindResponse,
  ErrorResponse,
  ExecuteRequest,
  ExecutionResult,
  MessageResponse,
  SessionView,
  Tool,
  ToolsResponse,
  UnbindResponse,
} from "./types.ts";

export const API_PREFIX = "/api/v1/mcp";

/** The defaults of {@link ClientOptions}. */
export const DEFAULTS = {
  callTimeoutMs: 10_000,
  executeTimeoutMs: 30_000,
  executeSlackMs: 5_000,
  retryAttempts: 3,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 2_000,
  breakerThreshold: 5,
  breakerCooldownMs: 30_000,
  relayPingIntervalMs: 30_000,
  useService: true,
  trafficSplit: 100,
  fallback: true,
} as const;

/**
 * The gateway's own MCP manager, for devices the rollout keeps off the service and for service failures.
 * `executeTool` may answer an ExecutionResult (or anything shaped like one); `getTools` the gateway's tools.
 */
export interface FallbackHook {
  executeTool(toolName: string, args: Record<string, unknown>, sessionId: string, error?: ServiceError): Promise<ExecutionResult>;
  getTools?(sessionId: string, error?: ServiceError): Promise<Tool[]>;
}

export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

export interface ClientOptions {
  /** e.g. https://mcp.example.com (without /api/v1). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <key>`. */
  apiKey: string;
  /** Each attempt of bind, tool listing, session read, unbind and message delivery (default 10 s). */
  callTimeoutMs?: number;
  /** A tool's timeout when the call gives none, sent as `timeout_ms` (default 30 s, the service's own). */
  executeTimeoutMs?: number;
  /** Added to the tool's timeout for the HTTP wait, so the service's own timeout answer comes first (5 s). */
  executeSlackMs?: number;
  /** Attempts in all of an idempotent call (default 3; 1 disables retries). Never for executions. */
  retryAttempts?: number;
  /** Backoff before the 2nd attempt (100 ms), doubling to at most retryMaxDelayMs (2 s); jittered in [d/2, d]. */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  /** Consecutive service failures that open the circuit (default 5; 0 disables the breaker). */
  breakerThreshold?: number;
  /** How long an open circuit fails calls fast before one probe goes through (default 30 s). */
  breakerCooldownMs?: number;
  /** How often an open relay sends a text `ping` (answered `pong`, never forwarded); 0 disables (30 s). */
  relayPingIntervalMs?: number;
  /** The switch: false sends every device down the gateway's own path (default true). */
  useService?: boolean;
  /** Percentage (0 … 100) of devices, by the stable hash of their id, that use the service (default 100). */
  trafficSplit?: number;
  /** On a service failure, run the fallback hook and say so (`via: "fallback"`); off, the failure is thrown. */
  fallback?: boolean;
  /** The gateway's own MCP manager (see {@link FallbackHook}). */
  fallbackHook?: FallbackHook;
  /** Receives the client's log lines (fallbacks, retries, the circuit opening); default: none. */
  logger?: Logger;
  /** For tests or proxies; default the global fetch. */
  fetch?: typeof fetch;
}

/** Which path answered: the service, the fallback hook after a service failure, or the gateway's own path
 * because the rollout keeps this device off the service. */
export type Via = "service" | "fallback" | "gateway";

export type GatewayResult = ExecutionResult & {
  via: Via;
  /** The service failure the fallback answered for. */
  fallback_error?: ServiceError;
  /** The call's request id (the service's, or the one the client sent). */
  request_id?: string;
};

export type GatewayTools = ToolsResponse & { via: Via; fallback_error?: ServiceError };

export interface BindOptions {
  deviceId: string;
  clientId: string;
  visionUrl?: string;
  /** The gateway's server secret the device's vision JWT is signed with. */
  token?: string;
  signal?: AbortSignal;
}

export interface ExecuteOptions {
  /** The tool's timeout, 100 … 300000 ms, passed to the service as `timeout_ms`. */
  timeoutMs?: number;
  /** The device the call is for: the service checks it against the binding (409 device_mismatch), and the
   * rollout decides by it. */
  deviceId?: string;
  signal?: AbortSignal;
  /** Overrides the client's hook for this call (e.g. a per-connection manager). */
  fallbackHook?: FallbackHook;
}

interface Call {
  op: string;
  method: "GET" | "POST" | "DELETE";
  path: string;
  body?: unknown;
  idempotent: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
}

interface Answer<T> {
  data: T;
  requestId: string;
}

type Settings = Required<Omit<ClientOptions, "fallbackHook" | "logger" | "fetch">> &
  Pick<ClientOptions, "fallbackHook"> & { logger: Logger; fetch: typeof fetch };

export class ServiceClient {
  readonly options: Settings;
  readonly #breaker: CircuitBreaker;

  constructor(options: ClientOptions) {
    if (!options.baseUrl) throw new Error("ServiceClient: baseUrl is required");
    if (!options.apiKey) throw new Error("ServiceClient: apiKey is required");
    const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as ClientOptions;
    const settings: Settings = {
      ...DEFAULTS,
      logger: () => {},
      fetch: (input, init) => fetch(input, init),
      ...given,
      baseUrl: options.baseUrl.replace(/\/+$/, ""),
    };
    this.options = settings;
    this.#breaker = new CircuitBreaker(this.options.breakerThreshold, this.options.breakerCooldownMs);
  }

  /** closed, open or half_open. */
  get breakerState(): BreakerState {
    return this.#breaker.state;
  }

  /** The switch and the traffic split for this device: stable, the same answer every time. */
  usesService(deviceId: string): boolean {
    return this.options.useService && inTrafficSplit(deviceId, this.options.trafficSplit);
  }

  /** Binds (or re-binds) the device's session; retried on service failures (binding again only updates). */
  async bindSession(sessionId: string, bind: BindOptions): Promise<BindResponse> {
    const body: BindRequest = { device_id: bind.deviceId, client_id: bind.clientId };
    if (bind.visionUrl) body.vision_url = bind.visionUrl;
    if (bind.token) body.token = bind.token;
    const path = `${API_PREFIX}/sessions/${segment(sessionId)}/bind`;
    const { data } = await this.#call<BindResponse>({
      op: "bindSession",
      method: "POST",
      path,
      body,
      idempotent: true,
      timeoutMs: this.options.callTimeoutMs,
      signal: bind.signal,
    });
    return data;
  }

  /** The session's tools and how each source answered; retried on service failures. On a service failure with
   * fallback on, the hook's `getTools` answers (`via: "fallback"`). */
  async getTools(sessionId: string, options: { signal?: AbortSignal; fallbackHook?: FallbackHook } = {}): Promise<GatewayTools> {
    try {
      const { data } = await this.#call<ToolsResponse>({
        op: "getTools",
        method: "GET",
        path: `${API_PREFIX}/tools?session_id=${encodeURIComponent(sessionId)}`,
        idempotent: true,
        timeoutMs: this.options.callTimeoutMs,
        signal: options.signal,
      });
      return { ...data, via: "service" };
    } catch (err) {
      const hook = options.fallbackHook ?? this.options.fallbackHook;
      if (!(err instanceof ServiceError && err.isServiceFailure && this.options.fallback && hook?.getTools)) throw err;
      this.#logFallback("getTools", err);
      return { tools: await hook.getTools(sessionId, err), sources: [], via: "fallback", fallback_error: err };
    }
  }

  /**
   * Runs a tool; never retried. A tool that ran and failed is a normal answer (`success` false, `action`
   * "error"). A service failure (no answer, timeout, 5xx, open circuit) goes to the fallback hook when
   * `fallback` is on (`via: "fallback"`, the failure in `fallback_error`, a warning logged) and is thrown
   * otherwise. With `deviceId` given and the rollout keeping that device off the service, the hook answers
   * straight away (`via: "gateway"`).
   */
  async executeTool(
    sessionId: string,
    toolName: string,
    args: Record<string, unknown> = {},
    options: ExecuteOptions = {},
  ): Promise<GatewayResult> {
    const hook = options.fallbackHook ?? this.options.fallbackHook;
    if (options.deviceId !== undefined && hook && !this.usesService(options.deviceId)) {
      return { ...(await hook.executeTool(toolName, args, sessionId)), via: "gateway" };
    }
    const timeoutMs = options.timeoutMs ?? this.options.executeTimeoutMs;
    const body: ExecuteRequest = { session_id: sessionId, arguments: args, timeout_ms: timeoutMs };
    if (options.deviceId !== undefined) body.device_id = options.deviceId;
    try {
      const { data, requestId } = await this.#call<ExecutionResult>({
        op: "executeTool",
        method: "POST",
        path: `${API_PREFIX}/tools/${segment(toolName)}/execute`,
        body,
        idempotent: false,
        timeoutMs: timeoutMs + this.options.executeSlackMs,
        signal: options.signal,
      });
      return { ...data, via: "service", request_id: requestId };
    } catch (err) {
      if (!(err instanceof ServiceError && err.isServiceFailure && this.options.fallback && hook)) throw err;
      this.#logFallback("executeTool", err, { tool: toolName });
      const answer = await hook.executeTool(toolName, args, sessionId, err);
      return { ...answer, via: "fallback", fallback_error: err, request_id: err.requestId };
    }
  }

  /** The binding (never the token), its tools' sources and the relay's state; retried on service failures. */
  async getSession(sessionId: string, options: { signal?: AbortSignal } = {}): Promise<SessionView> {
    const { data } = await this.#call<SessionView>({
      op: "getSession",
      method: "GET",
      path: `${API_PREFIX}/sessions/${segment(sessionId)}`,
      idempotent: true,
      timeoutMs: this.options.callTimeoutMs,
      signal: options.signal,
    });
    return data;
  }

  /** Ends the session (closes its relay, cancels its calls). False when it was not bound (any more). */
  async unbind(sessionId: string, options: { signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      await this.#call<UnbindResponse>({
        op: "unbind",
        method: "DELETE",
        path: `${API_PREFIX}/sessions/${segment(sessionId)}`,
        idempotent: true,
        timeoutMs: this.options.callTimeoutMs,
        signal: options.signal,
      });
      return true;
    } catch (err) {
      if (err instanceof ServiceError && err.code === "session_not_found") return false;
      throw err;
    }
  }

  /** Delivers one device `type:"mcp"` frame over HTTP (for a gateway without a relay for replies); `success` is
   * false when nothing waited for it. Not retried. */
  async handleXiaozhiMessage(
    sessionId: string,
    frame: string | Record<string, unknown>,
    options: { signal?: AbortSignal } = {},
  ): Promise<MessageResponse> {
    const { data } = await this.#call<MessageResponse>({
      op: "handleXiaozhiMessage",
      method: "POST",
      path: `${API_PREFIX}/sessions/${segment(sessionId)}/messages`,
      body: typeof frame === "string" ? (JSON.parse(frame) as unknown) : frame,
      idempotent: false,
      timeoutMs: this.options.callTimeoutMs,
      signal: options.signal,
    });
    return data;
  }

  /** `ws(s)://…/api/v1/mcp/sessions/{id}/relay`. */
  relayUrl(sessionId: string): string {
    return `${this.options.baseUrl.replace(/^http/, "ws")}${API_PREFIX}/sessions/${segment(sessionId)}/relay`;
  }

  /**
   * Opens the session's device relay: every frame the service sends goes to `toDevice` unchanged; give the
   * device's `type:"mcp"` frames to the relay's `fromDevice`. Resolves once the relay is open.
   */
  openRelay(sessionId: string, options: Omit<RelayOptions, "url" | "apiKey">): Promise<DeviceRelay> {
    return DeviceRelay.open({
      pingIntervalMs: this.options.relayPingIntervalMs,
      ...options,
      url: this.relayUrl(sessionId),
      apiKey: this.options.apiKey,
    });
  }

  #logFallback(op: string, err: ServiceError, fields: Record<string, unknown> = {}): void {
    this.options.logger("warn", `${op}: the service failed (${err.code}); the gateway's fallback answers`, {
      ...fields,
      code: err.code,
      request_id: err.requestId,
    });
  }

  /** Sends a call, retrying an idempotent one on retryable failures, through the breaker. */
  async #call<T>(call: Call): Promise<Answer<T>> {
    const attempts = call.idempotent ? Math.max(1, this.options.retryAttempts) : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#once<T>(call);
      } catch (err) {
        if (!(err instanceof ServiceError)) throw err;
        err.attempts = attempt;
        if (attempt >= attempts || !err.isRetryable || call.signal?.aborted) throw err;
        const delay = this.#backoff(attempt);
        this.options.logger("debug", `${call.op}: ${err.code}; attempt ${attempt + 1} in ${delay} ms`, {
          request_id: err.requestId,
        });
        await sleep(delay, call.signal);
      }
    }
  }

  async #once<T>(call: Call): Promise<Answer<T>> {
    const sentId = newRequestId();
    const fail = (
      code: string,
      message: string,
      extra: { status?: number; details?: unknown; cause?: unknown; requestId?: string } = {},
    ) => new ServiceError({ op: call.op, code, message, requestId: extra.requestId ?? sentId, ...extra });
    if (!this.#breaker.allow()) {
      throw fail(ClientCode.circuitOpen, "the circuit is open after repeated service failures: not sent");
    }
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = call.signal ? AbortSignal.any([call.signal, timeout]) : timeout;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.options.apiKey}`, "X-Request-Id": sentId };
    if (call.body !== undefined) headers["Content-Type"] = "application/json";
    let error: ServiceError;
    try {
      const res = await this.options.fetch(this.options.baseUrl + call.path, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal,
      });
      const requestId = res.headers.get("x-request-id") ?? res.headers.get("cf-ray") ?? sentId;
      const text = await res.text();
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
      if (res.ok && data !== undefined) {
        this.#breaker.record(false);
        return { data: data as T, requestId };
      }
      const apiError = (data as Partial<ErrorResponse> | undefined)?.error;
      if (!res.ok && apiError && typeof apiError.code === "string") {
        error = fail(apiError.code, apiError.message ?? "", { status: res.status, details: apiError.details, requestId });
      } else {
        const snippet = text.length > 200 ? `${text.slice(0, 200)}…` : text;
        const code = res.status >= 500 ? ClientCode.unavailable : ClientCode.badResponse;
        error = fail(code, `HTTP ${res.status}: ${snippet}`, { status: res.status, requestId });
      }
    } catch (err) {
      if (call.signal?.aborted) {
        this.#breaker.release();
        throw fail(ClientCode.cancelled, "the caller aborted the call", { cause: err });
      }
      if (timeout.aborted) error = fail(ClientCode.timeout, `no answer within ${call.timeoutMs} ms`, { cause: err });
      else error = fail(ClientCode.unavailable, describe(err), { cause: err });
    }
    const before: BreakerState = this.#breaker.state;
    this.#breaker.record(error.isUnhealthy);
    if (before !== "open" && this.breakerState === "open") {
      this.options.logger("warn", `the service circuit opened after ${this.options.breakerThreshold} failures in a row`, {
        code: error.code,
        request_id: error.requestId,
      });
    }
    throw error;
  }

  /** The wait before retry n (1-based): base doubled n-1 times, capped at the max, jittered in [d/2, d]. */
  #backoff(n: number): number {
    const d = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseDelayMs * 2 ** (n - 1));
    return Math.round(d / 2 + Math.random() * (d / 2));
  }
}

function segment(value: string): string {
  return encodeURIComponent(value);
}

function newRequestId(): string {
  return `gw-${randomBytes(12).toString("hex")}`;
}

/** The transport's reason: undici hides it in `cause` (ECONNREFUSED, ECONNRESET …). */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const message = err instanceof Error ? err.message : String(err);
  return cause?.code ? `${message}: ${cause.code}` : cause?.message ? `${message}: ${cause.message}` : message;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
