/**
 * @module api/rest/endpoint-routes
 * The agents' MCP endpoints over REST: create or rotate (`POST`), read with its connections (`GET`) and
 * revoke (`DELETE`) under `/api/v1/mcp/agents/{agentId}/endpoint`, and the tool side's WebSocket upgrade at
 * `/mcp_endpoint/mcp/?token=`, which has no API key (the pipes send none): its token is the credential.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { AgentId, EndpointIssuedJson, EndpointRevoked, EndpointViewJson } from "../../contract/endpoint";
import type { AppEnv } from "../../env";
import { describeEndpoint, ENDPOINT_SOCKET_PATH, issueEndpoint, openEndpointSocket, revokeEndpoint } from "../endpoint-calls";
import { errorResponses } from "./error-responses";
import { checkRelayHandshake } from "./relay-handshake";

const API = ["unauthorized", "rate_limited", "not_configured", "config_invalid", "internal"] as const;

const AgentPathParams = z.object({ agentId: AgentId.openapi({ param: { name: "agentId", in: "path" } }) });

const TokenQuery = z.object({
  token: z
    .string()
    .openapi({ param: { name: "token", in: "query" }, description: "The endpoint's token, as POST .../endpoint answered it" }),
});

const common = { security: [{ bearerAuth: [] }], tags: ["endpoints"] };
const path = "/api/v1/mcp/agents/{agentId}/endpoint";

const EXAMPLE_TOKEN = `${"5f".repeat(32)}${"a1".repeat(32)}`;
const CREATED_AT = "2026-11-24T10:35:51.000Z";

export const issueEndpointRoute = createRoute({
  ...common,
  method: "post",
  path,
  operationId: "issueAgentEndpoint",
  summary: "Create the agent's MCP endpoint, or rotate its token",
  description:
    "Answers the WebSocket URL a pipe program (mcp_pipe.py's `MCP_ENDPOINT`, xiaozhi-client, xiaozhi-mcphub) connects " +
    "to, with its token: shown only here (the service keeps its hash). Calling it again rotates the token: the old " +
    "one stops working and its connections are closed (code 4003). No body.",
  request: { params: AgentPathParams },
  responses: {
    200: {
      description: "The endpoint's URL and token",
      content: {
        "application/json": {
          schema: EndpointIssuedJson,
          examples: {
            created: {
              summary: "A new endpoint",
              value: {
                agent_id: "kitchen",
                url: `wss://mcp.example.com${ENDPOINT_SOCKET_PATH}?token=${EXAMPLE_TOKEN}`,
                token: EXAMPLE_TOKEN,
                rotated: false,
                created_at: CREATED_AT,
              },
            },
          },
        },
      },
    },
    ...errorResponses(...API, "invalid_request"),
  },
});

export const getEndpointRoute = createRoute({
  ...common,
  method: "get",
  path,
  operationId: "getAgentEndpoint",
  summary: "The agent's MCP endpoint and the servers connected to it",
  description:
    "Each connection: its label (the server's name from `initialize`, made unique), phase, the server's name and " +
    "version, its tool count, when it connected and when it last answered a ping; and the endpoint's limits.",
  request: { params: AgentPathParams },
  responses: {
    200: {
      description: "The endpoint",
      content: {
        "application/json": {
          schema: EndpointViewJson,
          examples: {
            connected: {
              summary: "One server connected",
              value: {
                agent_id: "kitchen",
                created_at: CREATED_AT,
                connections: [
                  {
                    label: "calculator",
                    phase: "ready",
                    server_name: "calculator",
                    server_version: "1.9.0",
                    tool_count: 1,
                    connected_at: "2026-11-24T10:36:02.000Z",
                    last_ping_answer_at: "2026-11-24T10:37:02.000Z",
                    error: null,
                  },
                ],
                limits: { sockets: 8, tools: 128, frame_bytes: 1048576 },
              },
            },
          },
        },
      },
    },
    ...errorResponses(...API, "invalid_request", "endpoint_not_found"),
  },
});

export const revokeEndpointRoute = createRoute({
  ...common,
  method: "delete",
  path,
  operationId: "revokeAgentEndpoint",
  summary: "Revoke the agent's MCP endpoint: its token stops working and its connections close",
  description:
    "The token is refused (401) from now on and every connection is closed with code 4003; sessions bound with the " +
    "agent stop offering its tools. Creating the endpoint again issues a new token.",
  request: { params: AgentPathParams },
  responses: {
    200: {
      description: "The endpoint is gone",
      content: {
        "application/json": {
          schema: EndpointRevoked,
          examples: {
            revoked: { summary: "Revoked", value: { success: true, message: "endpoint revoked", closed_connections: 1 } },
          },
        },
      },
    },
    ...errorResponses(...API, "invalid_request", "endpoint_not_found"),
  },
});

export const endpointSocketRoute = createRoute({
  method: "get",
  path: ENDPOINT_SOCKET_PATH,
  operationId: "openEndpointSocket",
  tags: ["endpoints"],
  security: [],
  summary: "The tool side's WebSocket (a pipe program connects here; no API key)",
  description:
    "Send `Upgrade: websocket` with the token in the query string. The service speaks first: `initialize`, " +
    "`notifications/initialized`, `tools/list`, one compact JSON-RPC message per text frame; then a JSON-RPC " +
    "`ping` about once a minute. Close codes: 4000 handshake not finished in 30 s, 4001 `initialize` or `tools/list` " +
    "failed, 4002 a ping unanswered, 4003 the token was revoked or rotated, 1009 a frame over 1 MiB.",
  request: { query: TokenQuery },
  responses: {
    101: { description: "Switching Protocols: the service sends `initialize`" },
    ...errorResponses("invalid_request", "unauthorized", "upgrade_required", "endpoint_limit_reached", "internal"),
  },
});

export function registerEndpointRoutes(app: OpenAPIHono<AppEnv>): void {
  app.openapi(issueEndpointRoute, async (c) => {
    const { agentId } = c.req.valid("param");
    return c.json(await issueEndpoint(c.env, c.var.tenant, agentId, c.req.url), 200);
  });

  app.openapi(getEndpointRoute, async (c) => {
    const { agentId } = c.req.valid("param");
    return c.json(await describeEndpoint(c.env, c.var.tenant, agentId), 200);
  });

  app.openapi(revokeEndpointRoute, async (c) => {
    const { agentId } = c.req.valid("param");
    return c.json(await revokeEndpoint(c.env, c.var.tenant, agentId), 200);
  });
}

/** The tool side's upgrade: no API key, no config check (the token names the object, which checks it). */
export function registerEndpointSocket(app: OpenAPIHono<AppEnv>): void {
  app.openapi(endpointSocketRoute, async (c) => {
    checkRelayHandshake(c.req.raw, "the endpoint");
    return openEndpointSocket(c.env, c.req.raw);
  });
}
