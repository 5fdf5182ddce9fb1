/**
 * @module api/rpc/endpoint-messages
 * An agent endpoint's answers (contract/endpoint) as `mcp.*` messages: REST's fields in the proto's shape, nulls
 * as empty strings or unset fields, moments as Timestamps.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { EndpointIssued, EndpointRevoked, EndpointView } from "../../contract/endpoint";
import type {
  GetAgentEndpointResponseSchema,
  IssueAgentEndpointResponseSchema,
  RevokeAgentEndpointResponseSchema,
} from "../../gen/mcp/service_pb";

/** IssueAgentEndpoint: REST's answer to `POST .../endpoint`. */
export function issuedMessage(issued: EndpointIssued): MessageInitShape<typeof IssueAgentEndpointResponseSchema> {
  return {
    agentId: issued.agent_id,
    url: issued.url,
    token: issued.token,
    rotated: issued.rotated,
    createdAt: timestampFromDate(issued.created_at),
  };
}

/** GetAgentEndpoint: REST's answer to `GET .../endpoint`. */
export function endpointMessage(view: EndpointView): MessageInitShape<typeof GetAgentEndpointResponseSchema> {
  return {
    agentId: view.agent_id,
    createdAt: timestampFromDate(view.created_at),
    connections: view.connections.map((c) => ({
      label: c.label,
      phase: c.phase,
      serverName: c.server_name ?? "",
      serverVersion: c.server_version ?? "",
      toolCount: c.tool_count,
      connectedAt: timestampFromDate(c.connected_at),
      lastPingAnswerAt: c.last_ping_answer_at === null ? undefined : timestampFromDate(c.last_ping_answer_at),
      error: c.error ?? "",
    })),
    limits: { sockets: view.limits.sockets, tools: view.limits.tools, frameBytes: view.limits.frame_bytes },
  };
}

/** RevokeAgentEndpoint: REST's answer to `DELETE .../endpoint`. */
export function revokedMessage(revoked: EndpointRevoked): MessageInitShape<typeof RevokeAgentEndpointResponseSchema> {
  return { success: revoked.success, message: revoked.message, closedConnections: revoked.closed_connections };
}
