/**
 * @module contract/servers
 * A configured external MCP server as a session sees it: connection state, transport, tools, breaker; and as a
 * tenant's sessions last saw it (`TenantServer`).
 * Declared once over the moment's form (see contract/time): `ServerStatus` is what the session's Durable
 * Object answers, `ServerStatusJson` what REST writes.
 */
import { z } from "@hono/zod-openapi";
import { IsoMoment, Moment, type MomentSchema } from "./time";

/** The transports an upstream connection can use. */
export const UpstreamTransport = z.enum(["streamable-http", "sse"]);
export type UpstreamTransport = z.infer<typeof UpstreamTransport>;

/** How the service is configured to reach a server: `auto` tries Streamable HTTP and falls back to SSE. */
export const TransportSetting = z.enum(["auto", ...UpstreamTransport.options]);

/** An upstream connection's state; `idle`: not contacted by this session yet (or closed for idling). */
export const ConnectionState = z.enum(["idle", "connecting", "ready", "failed", "closed"]);
export type ConnectionState = z.infer<typeof ConnectionState>;

/**
 * A server's state: its connection's, or why it has none. `unsupported`: a stdio server; `invalid`: an entry that
 * cannot be used as configured, such as a `${VAR}` that is not set (see last_error for either).
 */
export const ServerState = z.enum([...ConnectionState.options, "disabled", "unsupported", "invalid"]);

/** A server's circuit breaker: `open` fails calls fast until `retry_at`; `half_open` lets one probe through. */
export const BreakerState = z.enum(["closed", "open", "half_open"]);
export type BreakerState = z.infer<typeof BreakerState>;

const breakerViewOf = <T extends MomentSchema>(moment: T) =>
  z.object({
    state: BreakerState,
    consecutive_failures: z.number().int(),
    /** When an open circuit lets a probe through; null otherwise. */
    retry_at: z.nullable(moment),
  });

const serverStatusOf = <T extends MomentSchema>(moment: T) =>
  z.object({
    name: z.string(),
    status: ServerState.openapi({
      description:
        "idle: not contacted by this session yet; unsupported: a stdio server; invalid: an entry that cannot be " +
        "used as configured, such as a ${VAR} that is not set (see last_error for either)",
    }),
    transport: z
      .enum([...TransportSetting.options, "stdio"])
      .nullable()
      .openapi({ description: "As configured" }),
    transport_in_use: UpstreamTransport.nullable(),
    url: z.string().nullable().openapi({ description: "Scheme, host and path (no query, no credentials)" }),
    tool_count: z.number().int().nullable(),
    tools_fetched_at: z.nullable(moment),
    last_error: z.string().nullable(),
    last_latency_ms: z.number().nullable(),
    breaker: breakerViewOf(moment).nullable(),
  });

/** How a circuit breaker looks from outside. */
export const BreakerView = breakerViewOf(Moment);
export type BreakerView = z.infer<typeof BreakerView>;

/** A configured server as `GET /api/v1/mcp/servers` (and ListServers) shows it. */
export const ServerStatus = serverStatusOf(Moment);
export type ServerStatus = z.infer<typeof ServerStatus>;
export const ServerStatusJson = serverStatusOf(IsoMoment).openapi("ServerStatus");

/** How a server last looked to a tenant's sessions: `unknown` until one of them reported a change. */
export const ServerHealth = z.enum(["up", "down", "unknown"]);
export type ServerHealth = z.infer<typeof ServerHealth>;

const tenantServerOf = <T extends MomentSchema>(moment: T) =>
  z.object({
    name: z.string(),
    configured: z.enum(["enabled", "disabled", "unsupported", "invalid"]).openapi({
      description: "enabled: sessions use it; unsupported: a stdio server; invalid: an entry that cannot be used as configured",
    }),
    transport: z
      .enum([...TransportSetting.options, "stdio"])
      .nullable()
      .openapi({ description: "As configured" }),
    url: z.string().nullable().openapi({ description: "Scheme, host and path (no query, no credentials)" }),
    health: ServerHealth.openapi({
      description: "As the tenant's sessions last saw it: down when a connection failed, up when one was ready again",
    }),
    breaker: BreakerState.nullable().openapi({ description: "The circuit as the last session to report saw it" }),
    last_error: z.string().nullable().openapi({ description: "Why it went down (or why it is not used), as last seen" }),
    seen_at: z.nullable(moment).openapi({ description: "When a session last reported a change; null: never" }),
    seen_by_session: z.string().nullable().openapi({ description: "The session that reported it" }),
  });

/** A configured server as the tenant's sessions last saw it (`GET /api/v1/mcp/servers` without a session). */
export const TenantServer = tenantServerOf(Moment);
export type TenantServer = z.infer<typeof TenantServer>;
export const TenantServerJson = tenantServerOf(IsoMoment).openapi("TenantServer");
