/**
 * @module api/endpoint-calls
 * The Worker's calls into an agent's endpoint object, shared by both APIs (REST and RPC) and the tool side's
 * upgrade: where a tenant's agent endpoint lives (one object per tenant and agent id, so a tenant only reaches
 * its own), the URL a pipe is given, and the upgrade's token check (see tools/endpoint/token for its shape).
 */
import type { EndpointIssued, EndpointRevoked, EndpointView } from "../contract/endpoint";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { endpointObjectName, splitToken } from "../tools/endpoint/token";

/** Where pipes connect: the path the XiaoZhi tool side's programs and the self-hosted relay use. */
export const ENDPOINT_SOCKET_PATH = "/mcp_endpoint/mcp/";

/** The endpoint object of `agentId` within `tenant`. */
export function agentStub(env: Env, tenant: string, agentId: string) {
  return env.AGENT_ENDPOINTS.getByName(endpointObjectName(tenant, agentId));
}

/** Creates `agentId`'s endpoint, or rotates its token; the URL is on the host the request came to. */
export async function issueEndpoint(env: Env, tenant: string, agentId: string, requestUrl: string): Promise<EndpointIssued> {
  const issued = await agentStub(env, tenant, agentId).issue(tenant, agentId);
  const origin = new URL(requestUrl);
  const scheme = origin.protocol === "https:" ? "wss:" : "ws:";
  const url = `${scheme}//${origin.host}${ENDPOINT_SOCKET_PATH}?token=${issued.token}`;
  return { agent_id: agentId, url, token: issued.token, rotated: issued.rotated, created_at: issued.createdAt };
}

/** The endpoint and its connections; `endpoint_not_found` when the agent has none. */
export async function describeEndpoint(env: Env, tenant: string, agentId: string): Promise<EndpointView> {
  const view = await agentStub(env, tenant, agentId).describe();
  if (!view) throw notFound(agentId);
  return view;
}

/** Revokes the endpoint's token and closes its connections; `endpoint_not_found` when the agent has none. */
export async function revokeEndpoint(env: Env, tenant: string, agentId: string): Promise<EndpointRevoked> {
  const closed = await agentStub(env, tenant, agentId).revoke();
  if (closed === null) throw notFound(agentId);
  return { success: true, message: "endpoint revoked", closed_connections: closed };
}

/**
 * The tool side's upgrade, handed to the object the token names. A token that is not of the form, or names no
 * object this namespace minted, is refused 401 here; the object checks the secret.
 */
export function openEndpointSocket(env: Env, request: Request): Promise<Response> {
  const parts = splitToken(new URL(request.url).searchParams.get("token") ?? "");
  let id: DurableObjectId | null = null;
  try {
    if (parts) id = env.AGENT_ENDPOINTS.idFromString(parts.objectId);
  } catch {
    // Not an id of this namespace: refused below like any unknown token.
  }
  if (!id) throw new ApiError("unauthorized", "unknown or revoked endpoint token");
  return env.AGENT_ENDPOINTS.get(id).fetch(request);
}

function notFound(agentId: string): ApiError {
  return new ApiError(
    "endpoint_not_found",
    `agent ${agentId} has no MCP endpoint: create one with POST /api/v1/mcp/agents/${agentId}/endpoint`,
  );
}
