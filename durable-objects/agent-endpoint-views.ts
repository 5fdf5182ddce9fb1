/**
 * @module durable-objects/agent-endpoint-views
 * An agent's endpoint as the APIs show it (contract/endpoint) and as its sessions read it (the catalog), built
 * from the object's stored rows. Moments are Dates: each API formats them at its edge.
 */
import { type EndpointView, MAX_ENDPOINT_FRAME_BYTES, MAX_ENDPOINT_SOCKETS, MAX_ENDPOINT_TOOLS } from "../src/contract/endpoint";
import type { EndpointCatalog } from "../src/tools/endpoint/types";
import type { EndpointStateRow, SocketRow } from "./agent-endpoint-storage";

/** The endpoint and its connections, for `GET .../endpoint` and the GetAgentEndpoint rpc. */
export function endpointView(state: EndpointStateRow, sockets: readonly SocketRow[]): EndpointView {
  return {
    agent_id: state.agent_id,
    created_at: new Date(state.created_at),
    connections: sockets.map((row) => ({
      label: row.label,
      phase: row.phase,
      server_name: row.server_name,
      server_version: row.server_version,
      tool_count: row.tools.length,
      connected_at: new Date(row.connected_at),
      last_ping_answer_at: row.last_pong_at === null ? null : new Date(row.last_pong_at),
      error: row.error,
    })),
    limits: { sockets: MAX_ENDPOINT_SOCKETS, tools: MAX_ENDPOINT_TOOLS, frame_bytes: MAX_ENDPOINT_FRAME_BYTES },
  };
}

/** The connections' tools, for the sessions bound with the agent. */
export function endpointCatalog(state: EndpointStateRow, sockets: readonly SocketRow[]): EndpointCatalog {
  const connections = sockets.map(({ label, phase, tools, error }) => ({ label, phase, tools, error }));
  return { version: state.tools_version, connections };
}
