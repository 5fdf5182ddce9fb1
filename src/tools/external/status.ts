/**
 * @module tools/external/status
 * The status view of the configured servers (`GET /api/v1/mcp/servers`, the gRPC ListServers): what one
 * session knows of each, in configuration order. URLs show no credentials or query string (redact.ts), nor do
 * the messages (which are redacted where they are made: errors.ts). Also the message that
 * explains why a stdio entry is not run.
 */
import type { McpServerConfig, StdioServerConfig } from "../../config/mcp-servers";
import type { ServerStatus, TenantServer } from "../../contract/servers";
import { redactUrl } from "./redact";
import { type FilterLists, NameFilter } from "../policy";
import type { ServerSlot } from "./server-slot";

/** Every server of `servers` with what its slot (enabled HTTP servers have one) knows of it. */
export function serverStatuses(servers: readonly McpServerConfig[], slots: readonly ServerSlot[]): ServerStatus[] {
  return servers.map((server): ServerStatus => {
    const slot = slots.find((s) => s.config.name === server.name);
    if (server.kind !== "http" || !slot) {
      const stdio = server.kind === "stdio";
      return {
        name: server.name,
        status: stdio ? "unsupported" : server.kind === "invalid" ? "invalid" : "disabled",
        transport: stdio ? "stdio" : null,
        transport_in_use: null,
        url: null,
        tool_count: null,
        tools_fetched_at: null,
        last_error: stdio ? stdioMessage(server) : server.kind === "invalid" ? server.error : null,
        last_latency_ms: null,
        breaker: null,
      };
    }
    return {
      name: server.name,
      status: slot.connection.state,
      transport: server.transport,
      transport_in_use: slot.connection.transportInUse,
      url: redactUrl(server.url),
      // Only the tools the operator's filter offers, as listings count them.
      tool_count: slot.catalog ? offered(slot.catalog.tools, server.tools).length : null,
      tools_fetched_at: slot.catalog ? new Date(slot.catalog.fetchedAt) : null,
      last_error: slot.connection.lastError,
      last_latency_ms: slot.connection.lastLatencyMs,
      breaker: slot.breaker.view(),
    };
  });
}

/** Why a stdio entry is not used, and what to do instead. */
export function stdioMessage(server: StdioServerConfig): string {
  // Tenants read this: the command's arguments (which may carry keys) stay in the operator's configuration.
  return (
    `stdio server "${server.name}" (command "${server.command}") cannot run on Cloudflare Workers, which cannot start processes: ` +
    `run it behind a stdio-to-HTTP bridge (for example \`npx -y supergateway --stdio "<its command line>"\` ` +
    `or mcp-proxy) and configure the bridge's URL as this server's "url"`
  );
}

/** The tools of a catalog the server's filter (if any) offers, by the names the server gives them. */
function offered<T extends { name: string }>(tools: readonly T[], filter: FilterLists | undefined): readonly T[] {
  if (!filter) return tools;
  const names = new NameFilter(filter);
  return tools.filter((tool) => names.allows(tool.name));
}

/** The last change a tenant's sessions reported of a server (kept by the tenant's object). */
export interface ServerSighting {
  server: string;
  health: "up" | "down";
  breaker: "closed" | "open" | null;
  reason: string | null;
  session_id: string;
  seen_at: Date;
}

/** Every server of `servers` as the tenant's sessions last saw it, in configuration order. */
export function tenantServerViews(servers: readonly McpServerConfig[], sightings: readonly ServerSighting[]): TenantServer[] {
  const byName = new Map(sightings.map((sighting) => [sighting.server, sighting]));
  return servers.map((server): TenantServer => {
    const seen = server.kind === "http" ? byName.get(server.name) : undefined;
    return {
      name: server.name,
      configured: server.kind === "http" ? "enabled" : server.kind === "stdio" ? "unsupported" : server.kind,
      transport: server.kind === "http" ? server.transport : server.kind === "stdio" ? "stdio" : null,
      url: server.kind === "http" ? redactUrl(server.url) : null,
      health: seen?.health ?? "unknown",
      breaker: seen?.breaker ?? null,
      last_error:
        server.kind === "stdio" ? stdioMessage(server) : server.kind === "invalid" ? server.error : (seen?.reason ?? null),
      seen_at: seen?.seen_at ?? null,
      seen_by_session: seen?.session_id ?? null,
    };
  });
}
