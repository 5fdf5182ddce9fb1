/**
 * @module options
 * What a ServiceClient is configured with and answers in: its options and their defaults, the fallback hook
 * and logger it is given, the settings it resolves them to, and the shapes of its gateway-facing results.
 */
import type { ServiceError } from "./errors.ts";
import type { ExecutionResult, Tool, ToolsResponse } from "./types.ts";

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

/** The options with every default filled in, as the client and its transport read them. */
export type Settings = Required<Omit<ClientOptions, "fallbackHook" | "logger" | "fetch">> &
  Pick<ClientOptions, "fallbackHook"> & { logger: Logger; fetch: typeof fetch };
