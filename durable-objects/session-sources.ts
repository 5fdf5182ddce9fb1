/**
 * @module durable-objects/session-sources
 * A session's tool sources, built together once and kept for the object's life (the external one holds
 * upstream connections): local tools, the external MCP servers, the device and the agent's MCP endpoint, behind
 * one router; the policy
 * that router enforces (the servers' and the session's tool filters); and the session a tool call runs for.
 */
import type { FetchLike } from "@modelcontextprotocol/client";
import type { ServiceConfig } from "../src/config/schema";
import type { SourceReport } from "../src/contract/tools";
import { DeviceToolSource } from "../src/tools/device/source";
import { EndpointToolSource } from "../src/tools/endpoint/source";
import type { EndpointLink } from "../src/tools/endpoint/types";
import type { Env } from "../src/env";
import type { Logger } from "../src/observability/log";
import type { DevicePeer } from "../src/tools/device/peer";
import type { ServerEvent } from "../src/tools/external/server-slot";
import type { UpstreamSessionStore } from "../src/tools/external/upstream-session";
import { ExternalToolSource } from "../src/tools/external/source";
import { LocalToolSource } from "../src/tools/local/source";
import { ToolPolicy } from "../src/tools/policy";
import { ToolRouter } from "../src/tools/router";
import type { SessionContext } from "../src/tools/types";
import { endpointStub } from "./session-agent";
import type { BindingRow } from "./session-storage";

export interface SessionSources {
  /** Every source, in listing order: local, external, device, endpoint. */
  router: ToolRouter;
  /** The external servers' source (also in the router): the session closes its idle connections and resets it. */
  external: ExternalToolSource;
  /** The agent's endpoint source (also in the router): told of the version its agent's object pushed. */
  endpoint: EndpointToolSource;
}

export interface SessionSourcesOptions {
  config: ServiceConfig;
  /** Which tools are offered (see {@link toolPolicy}). */
  policy: ToolPolicy;
  kv: KVNamespace;
  /** Where the external servers' resumable sessions are kept. */
  upstreamSessions: UpstreamSessionStore;
  /** How upstream requests go out (connect.ts `upstreamFetch`). */
  fetch: FetchLike;
  peer: DevicePeer;
  waitUntil: (promise: Promise<unknown>) => void;
  /** An upstream connection opened: the alarm must now also close it once idle. */
  onConnectionOpened: () => void;
  /** A server's list was fetched anew (see ExternalSourceOptions), or the agent endpoint's tools changed. */
  onCatalogChanged: () => void;
  /** How every source answered a listing (each source's tool count). */
  onToolsListed: (sources: readonly SourceReport[]) => void;
  /** A server went down or came back, or its circuit opened or closed. */
  onServerEvent: (event: ServerEvent) => void;
  /** The session's agent and the way to its endpoint object; null while bound without an agent. */
  agent: () => { agentId: string; link: EndpointLink } | null;
  /** The session's logger, for the sources' own lines. */
  logger: Logger;
}

export function buildSessionSources(options: SessionSourcesOptions): SessionSources {
  const { config } = options;
  const external = new ExternalToolSource({
    servers: config.mcpServers,
    settings: config.external,
    kv: options.kv,
    store: options.upstreamSessions,
    fetch: options.fetch,
    waitUntil: options.waitUntil,
    onConnectionOpened: options.onConnectionOpened,
    onCatalogChanged: options.onCatalogChanged,
    onServerEvent: options.onServerEvent,
    logger: options.logger,
  });
  // The agent's tools changed (a server connected, left or re-listed): the session lists again, as for an external
  // server's new list, so its events report the change.
  const endpoint = new EndpointToolSource({ agent: options.agent, onToolsChanged: options.onCatalogChanged });
  const sources = [new LocalToolSource(config), external, new DeviceToolSource(options.peer), endpoint];
  const router = new ToolRouter(sources, options.policy, options.onToolsListed);
  return { router, external, endpoint };
}

/** The agent whose endpoint tools `binding` offers, and the way to its endpoint object; null without one. */
export function agentOf(env: Env, binding: BindingRow | null): { agentId: string; link: EndpointLink } | null {
  return binding?.agent_id ? { agentId: binding.agent_id, link: endpointLink(env, binding.tenant, binding.agent_id) } : null;
}

/** The tools a session offers: each configured server's tool filter, and the session's own from its binding. */
export function toolPolicy(config: ServiceConfig, binding: BindingRow): ToolPolicy {
  const servers = new Map(
    config.mcpServers.flatMap((server) => (server.kind === "http" && server.tools ? [[server.name, server.tools]] : [])),
  );
  return new ToolPolicy(servers, binding.tools ?? undefined);
}

/** The bound session a tool call runs for. */
export function sessionContext(binding: BindingRow): SessionContext {
  return { tenant: binding.tenant, sessionId: binding.session_id, deviceId: binding.device_id, clientId: binding.client_id };
}

/** The way to `agentId`'s endpoint object (one per tenant and agent, see tools/endpoint/token). */
export function endpointLink(env: Env, tenant: string, agentId: string): EndpointLink {
  const stub = endpointStub(env, tenant, agentId);
  return {
    catalog: () => stub.catalog(),
    call: (label, tool, args, timeoutMs) => stub.call(label, tool, args, timeoutMs),
  };
}
