/**
 * @module client
 * The gateway's client of the MCP tool service (the design's ServiceClient): bind a device session, list its
 * tools for the LLM, execute them, read and end the session, deliver a device frame, open the device relay —
 * and the design's rollout controls (use_service, traffic_split, fallback to the gateway's own MCP manager).
 * Timeouts, retries and the circuit breaker are the transport's (transport.ts); options and result shapes are
 * in options.ts. Node 22+ (global fetch and WebSocket); no dependencies.
 */
import type { BreakerState } from "./breaker.ts";
import { ServiceError } from "./errors.ts";
import {
  DEFAULTS,
  type BindOptions,
  type ClientOptions,
  type ExecuteOptions,
  type FallbackHook,
  type GatewayResult,
  type GatewayTools,
  type Settings,
} from "./options.ts";
import { DeviceRelay, type RelayOptions } from "./relay.ts";
import { inTrafficSplit } from "./split.ts";
import { Transport } from "./transport.ts";
import type {
  BindRequest,
  BindResponse,
  ExecuteRequest,
  ExecutionResult,
  MessageResponse,
  SessionView,
  ToolsResponse,
  UnbindResponse,
} from "./types.ts";

export const API_PREFIX = "/api/v1/mcp";

export class ServiceClient {
  readonly options: Settings;
  readonly #transport: Transport;

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
    this.#transport = new Transport(settings);
  }

  /** closed, open or half_open. */
  get breakerState(): BreakerState {
    return this.#transport.breakerState;
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
    const { data } = await this.#transport.call<BindResponse>({
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
      const { data } = await this.#transport.call<ToolsResponse>({
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
      const { data, requestId } = await this.#transport.call<ExecutionResult>({
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
    const { data } = await this.#transport.call<SessionView>({
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
      await this.#transport.call<UnbindResponse>({
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
    const { data } = await this.#transport.call<MessageResponse>({
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
}

function segment(value: string): string {
  return encodeURIComponent(value);
}
