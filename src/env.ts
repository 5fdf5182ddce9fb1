/**
 * @module env
 * The Worker's env: its bindings as `wrangler types` generates them from wrangler.toml
 * (worker-configuration.d.ts, `npm run types`), plus the vars and secrets (see the README's configuration table).
 */
import type { ServiceConfig } from "./config/schema";
import type { LogFields } from "./observability/log";

export interface Env extends __BaseEnv_Env {
  /** Secret: JSON object mapping each API key to its tenant name. */
  API_KEYS?: string;
  /** Var: overrides `session.idle_ttl_seconds` of the checked-in config. */
  SESSION_IDLE_TTL_SECONDS?: string;
  /** Var: JSON `{"mcpServers": {...}}` replacing the checked-in external MCP servers. */
  MCP_SERVERS?: string;
  /** Var: overrides `external.tool_prefix` (empty: external tools keep their servers' names when none collide). */
  EXTERNAL_TOOL_PREFIX?: string;
  /** Secret: the bearer credential Prometheus scrapes `GET /metrics` with; without it `/metrics` answers 503. */
  METRICS_TOKEN?: string;
  /**
   * Var: `off` stops the session objects' metrics (no Analytics Engine points, nothing counted for `/metrics`):
   * for measuring what they cost (`npm run bench:metrics`), or an account without Analytics Engine.
   */
  METRICS_RECORDING?: string;
  /** Var: `off` turns the per-tenant rate limit off, `on` on, whatever `limits.rate_limit.enabled` says. */
  RATE_LIMITS?: string;
  /** Var: `debug`, `info`, `warn` or `error`: overrides `log.level` of the checked-in config. */
  LOG_LEVEL?: string;
  /** Var: seconds between the JSON-RPC pings an agent endpoint sends each connected server (60 by default). */
  ENDPOINT_PING_SECONDS?: string;
  /**
   * Binding, given by `npm run serve` only: the network, reached directly. Requests to upstream MCP servers go
   * through it when present (see tools/external/connect.ts `upstreamFetch`): Miniflare otherwise routes every
   * `fetch` through an outbound worker of its own, a hop Cloudflare does not have.
   */
  UPSTREAM_NETWORK?: Fetcher;
  /** Any other var or secret: `${NAME}` in the MCP server entries reads them. */
  [name: string]: unknown;
}

/** Hono's environment for this app: the bindings plus what middleware puts on the context. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    /** The request's id (the caller's `X-Request-Id`, or a new one), answered in `X-Request-Id`. */
    requestId: string;
    /** What the handler noted for the request's log line (api/request-log.ts: session, tool, source). */
    requestNote: LogFields;
    /** The tenant the request's API key belongs to (set by the auth middleware). */
    tenant: string;
    /** The validated service config (set by the config middleware). */
    config: ServiceConfig;
  };
}
