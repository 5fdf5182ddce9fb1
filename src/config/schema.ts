/**
 * @module config/schema
 * The service configuration: the checked-in `config/service.config.json`, validated at start.
 * Each section documents its defaults here, so the file may stay short.
 */
import { z } from "zod";
import { CallTimeoutMs, MAX_CALL_TIMEOUT_MS } from "../contract/limits";
import { McpServers } from "./mcp-servers";

const MIN_IDLE_TTL_SECONDS = 60;
const MAX_IDLE_TTL_SECONDS = 30 * 24 * 3600;

/** A local tool's switch, with an optional description that replaces the built-in one. */
const LocalToolToggle = z.object({ enabled: z.boolean(), description: z.string().min(1).optional() }).strict();

/** The local tools by their name without the `local_` prefix; a tool left out is disabled. */
export const LocalToolsConfig = z
  .object({
    get_time: LocalToolToggle,
    exit: LocalToolToggle,
    play_music: LocalToolToggle,
    change_voice: LocalToolToggle,
    change_role: LocalToolToggle,
    switch_agent: LocalToolToggle,
  })
  .partial()
  .strict();
export type LocalToolsConfig = z.infer<typeof LocalToolsConfig>;
export type LocalToolKey = keyof LocalToolsConfig;

/** A role the assistant can switch to; `prompt` becomes the gateway's new system prompt. */
export const RoleConfig = z.object({ name: z.string().min(1), prompt: z.string() }).strict();
export type RoleConfig = z.infer<typeof RoleConfig>;

/** A TTS voice the assistant can switch to; `name` is what the gateway's TTS is given. */
export const VoiceConfig = z
  .object({
    name: z.string().min(1),
    display_name: z.string().optional(),
    gender: z.string().optional(),
    description: z.string().optional(),
  })
  .strict();
export type VoiceConfig = z.infer<typeof VoiceConfig>;

const TimeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "not an IANA time zone (for example Asia/Shanghai)" },
);

/** How the service treats every external MCP server (the servers themselves are in `mcpServers`). */
export const ExternalConfig = z
  .object({
    /** Put before every external tool name; `mcp_` is what xiaozhi-server-go gateways expect. */
    tool_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,16}$/, "0-16 characters of A-Z a-z 0-9 _ -")
      .default("mcp_"),
    /** A call's timeout when neither the request nor the server's `timeout` sets one. */
    call_timeout_ms: CallTimeoutMs.default(30_000),
    /** No call waits longer, whatever the request or the server asks for. */
    max_call_timeout_ms: CallTimeoutMs.default(MAX_CALL_TIMEOUT_MS),
    /** How long a tool listing waits for a server before reporting it unavailable. */
    list_timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
    /** Attempts to (re)connect to a server within one call, with doubling backoff from `connect_backoff_ms`. */
    connect_attempts: z.number().int().min(1).max(10).default(3),
    connect_backoff_ms: z.number().int().min(0).max(10_000).default(200),
    /**
     * How long connecting to a server may take, attempts and backoff included. It is the connect's own deadline:
     * callers stop waiting at theirs, while the connect carries on for the others waiting on it.
     */
    connect_timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
    /**
     * A connection with no request for this long is closed, so its open stream does not keep the session's
     * Durable Object awake. A Streamable HTTP session is kept and resumed by the next call without `initialize`;
     * an SSE session ends with its stream.
     */
    idle_close_seconds: z
      .number()
      .int()
      .min(1)
      .max(24 * 3600)
      .default(120),
    /** A server's tool list is fresh this long; older lists are served while a refresh runs. */
    tool_cache_ttl_seconds: z
      .number()
      .int()
      .min(1)
      .max(24 * 3600)
      .default(300),
    breaker: z
      .object({
        /** Consecutive failures that open a server's circuit: calls then fail fast. */
        failure_threshold: z.number().int().min(1).max(100).default(5),
        /** How long an open circuit fails fast before one probe call decides. */
        cooldown_ms: z.number().int().min(100).max(3_600_000).default(30_000),
      })
      .strict()
      .default({ failure_threshold: 5, cooldown_ms: 30_000 }),
  })
  .strict();
export type ExternalConfig = z.infer<typeof ExternalConfig>;

/** What an operator caps: request bodies, bound sessions and the request rate, per tenant. */
export const LimitsConfig = z
  .object({
    /** The largest request body the API accepts; larger ones get 413. */
    max_body_bytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024)
      .default(64 * 1024),
    /** The most sessions one tenant may have bound at once; binding one more answers 429 `session_limit_reached`. */
    max_sessions_per_tenant: z.number().int().min(1).max(1_000_000).default(10_000),
    /**
     * The per-tenant request rate limit, whose limit and period are those of the `TENANT_RATE_LIMITER` binding in
     * wrangler.toml. `period_seconds` must equal the binding's period: it is the 429's `Retry-After`.
     * The `RATE_LIMITS` var (`on`/`off`) overrides `enabled`.
     */
    rate_limit: z
      .object({
        enabled: z.boolean().default(true),
        period_seconds: z.union([z.literal(10), z.literal(60)]).default(60),
      })
      .strict()
      .default({ enabled: true, period_seconds: 60 }),
  })
  .strict();
export type LimitsConfig = z.infer<typeof LimitsConfig>;

/** How much the service logs: each level includes the ones after it (`debug` < `info` < `warn` < `error`). */
export const LogLevel = z.enum(["debug", "info", "warn", "error"]);
export type LogLevel = z.infer<typeof LogLevel>;

/** The structured log (src/observability/log.ts). The `LOG_LEVEL` var overrides `level`. */
export const LogConfig = z.object({ level: LogLevel.default("info") }).strict();

/** The MCP endpoints (`…/mcp`): which browser origins may call them. */
export const McpEndpointConfig = z
  .object({
    /**
     * Browser origins (`https://app.example.com`) allowed to call the MCP endpoints. A request without `Origin` (any
     * non-browser client) is not concerned; one from an origin not listed is refused 403 (DNS rebinding).
     */
    allowed_origins: z
      .array(z.url({ protocol: /^https?$/ }).regex(/^https?:\/\/[^/]+$/, "an origin: scheme, host and port only, no path"))
      .max(100)
      .default([]),
    /**
     * The idle TTL of the sessions the tenant's MCP endpoint binds (one per 2025-era connection, and the 2026-era
     * shared one), shorter than `session.idle_ttl_seconds`: a client that never sends DELETE holds a seat only this
     * long.
     */
    session_idle_ttl_seconds: z.number().int().min(60).max(86_400).default(900),
  })
  .strict();

export const ServiceConfig = z
  .object({
    /** Which local tools are offered. */
    local_tools: LocalToolsConfig.default({}),
    roles: z.array(RoleConfig).default([]),
    voices: z.array(VoiceConfig).default([]),
    /** The zone `local_get_time` reports the time in. */
    timezone: TimeZone.default("Asia/Shanghai"),
    session: z
      .object({
        /** A session unused this long is deleted with everything it holds. */
        idle_ttl_seconds: z
          .number()
          .int()
          .min(MIN_IDLE_TTL_SECONDS)
          .max(MAX_IDLE_TTL_SECONDS)
          .default(24 * 3600),
      })
      .strict()
      .default({ idle_ttl_seconds: 24 * 3600 }),
    limits: LimitsConfig.default(LimitsConfig.parse({})),
    /** External MCP servers by name, in the `.mcp_server_settings.json` shape (`MCP_SERVERS` replaces them). */
    mcpServers: McpServers.default([]),
    external: ExternalConfig.default(ExternalConfig.parse({})),
    log: LogConfig.default({ level: "info" }),
    mcp: McpEndpointConfig.default(McpEndpointConfig.parse({})),
  })
  .strict();
export type ServiceConfig = z.infer<typeof ServiceConfig>;
