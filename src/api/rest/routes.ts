/**
 * @module api/rest/routes
 * The REST API under `/api/v1` (paths and fields from the seed's OpenAPI). Each handler validates through
 * its route's schemas, makes one RPC into the session's Durable Object, and answers.
 */
import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { bindSession, sessionStub, unbindSession, unwrap } from "../session-calls";
import { jsonBody } from "./json-body";
import {
  BindRequest,
  BindResponse,
  DeviceFrame,
  ErrorResponse,
  ExecuteRequest,
  ExecutionResult,
  MessageResponse,
  ServersQuery,
  ServersResponse,
  SessionPathParams,
  SessionView,
  ToolPathParams,
  ToolsQuery,
  ToolsResponse,
  UnbindResponse,
} from "./schemas";

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Malformed JSON, a wrong type, a missing or unknown field (the message names it)",
  401: "Missing or invalid API key",
  404: "Unknown session or tool",
  409: "device_id differs from the session's bound device",
  413: "Body larger than the configured limit",
  415: "Body is not JSON",
  426: "The relay needs a WebSocket upgrade (Upgrade: websocket)",
  503: "No API keys configured, or the service configuration is invalid",
};

function errors(...statuses: Array<keyof typeof ERROR_DESCRIPTIONS>) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { description: ERROR_DESCRIPTIONS[status] ?? "Error", content: { "application/json": { schema: ErrorResponse } } },
    ]),
  );
}

function json<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { "application/json": { schema } } };
}

function jsonRequest<T extends z.ZodType>(schema: T) {
  return { content: { "application/json": { schema } }, required: true };
}

const common = { security: [{ bearerAuth: [] }] };

export const bindRoute = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/mcp/sessions/{sessionId}/bind",
  tags: ["sessions"],
  summary: "Bind a session (idempotent: binding again updates it)",
  request: { params: SessionPathParams, body: jsonRequest(BindRequest) },
  responses: { 200: json(BindResponse, "The session as bound"), ...errors(400, 401, 413, 415, 503) },
});

export const getSessionRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/sessions/{sessionId}",
  tags: ["sessions"],
  summary: "The session's binding (without its token) and what it knows",
  request: { params: SessionPathParams },
  responses: { 200: json(SessionView, "The session"), ...errors(400, 401, 404, 503) },
});

export const unbindRoute = createRoute({
  ...common,
  method: "delete",
  path: "/api/v1/mcp/sessions/{sessionId}",
  tags: ["sessions"],
  summary: "Unbind: forget the session and everything it holds",
  request: { params: SessionPathParams },
  responses: { 200: json(UnbindResponse, "The session is gone"), ...errors(400, 401, 404, 503) },
});

export const listToolsRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/tools",
  tags: ["tools"],
  summary: "The tools of a session, from every source",
  request: { query: ToolsQuery },
  responses: { 200: json(ToolsResponse, "The tools, and how each source answered"), ...errors(400, 401, 404, 503) },
});

export const executeRoute = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/mcp/tools/{toolName}/execute",
  tags: ["tools"],
  summary: "Execute a tool; a failed execution is a 200 with success false",
  request: { params: ToolPathParams, body: jsonRequest(ExecuteRequest) },
  responses: {
    200: json(ExecutionResult, "The execution result"),
    ...errors(400, 401, 404, 409, 413, 415, 503),
  },
});

export const relayRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/sessions/{sessionId}/relay",
  tags: ["device"],
  summary: "Open the device relay (WebSocket): pipe the device's MCP frames both ways",
  description:
    "Send `Upgrade: websocket`. The service sends the exact text frames to forward to the device " +
    '(`{"type":"mcp","session_id":…,"payload":{JSON-RPC}}`); forward every `type: "mcp"` frame from the device ' +
    "unchanged. A new relay for the session replaces the old one (closed with code 4000); unbinding closes it " +
    "with 4001. A text `ping` is answered `pong`.",
  request: { params: SessionPathParams },
  responses: {
    101: { description: "Switching Protocols: the relay is open and the service sends `initialize`" },
    ...errors(400, 401, 404, 426, 503),
  },
});

export const messagesRoute = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/mcp/sessions/{sessionId}/messages",
  tags: ["device"],
  summary: "Deliver one frame from the device over HTTP instead of the relay (HandleXiaoZhiMessage)",
  request: { params: SessionPathParams, body: jsonRequest(DeviceFrame) },
  responses: { 200: json(MessageResponse, "The frame was taken"), ...errors(400, 401, 404, 413, 415, 503) },
});

export const listServersRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/servers",
  tags: ["tools"],
  summary: "The configured external MCP servers as a session sees them: state, transport, tools, last error, breaker",
  request: { query: ServersQuery },
  responses: { 200: json(ServersResponse, "Every configured server"), ...errors(400, 401, 404, 503) },
});

export function registerRestRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const route of [bindRoute, executeRoute, messagesRoute]) app.on(route.method, route.getRoutingPath(), jsonBody());

  app.openapi(bindRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    return c.json(await bindSession(c.env, c.var.tenant, sessionId, c.req.valid("json")), 200);
  });

  app.openapi(getSessionRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    return c.json(unwrap(await sessionStub(c.env, c.var.tenant, sessionId).describe()), 200);
  });

  app.openapi(unbindRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    return c.json(await unbindSession(c.env, c.var.tenant, sessionId), 200);
  });

  app.openapi(relayRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    if (c.req.header("Upgrade")?.toLowerCase() !== "websocket") {
      throw new ApiError("upgrade_required", "the relay is a WebSocket: send Upgrade: websocket");
    }
    // An upgrade cannot travel over RPC: this one request reaches the session as a fetch.
    return sessionStub(c.env, c.var.tenant, sessionId).fetch(c.req.raw);
  });

  app.openapi(messagesRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    const frame = c.req.valid("json");
    const receipt = unwrap(await sessionStub(c.env, c.var.tenant, sessionId).handleDeviceFrame(frame));
    return c.json({ success: receipt.handled, result: receipt.result }, 200);
  });

  app.openapi(listToolsRoute, async (c) => {
    const { session_id } = c.req.valid("query");
    return c.json(unwrap(await sessionStub(c.env, c.var.tenant, session_id).listTools()), 200);
  });

  app.openapi(listServersRoute, async (c) => {
    const { session_id } = c.req.valid("query");
    const servers = unwrap(await sessionStub(c.env, c.var.tenant, session_id).servers());
    return c.json({ servers }, 200);
  });

  app.openapi(executeRoute, async (c) => {
    const { toolName } = c.req.valid("param");
    const { session_id, arguments: args, device_id, timeout_ms } = c.req.valid("json");
    const command = { tool_name: toolName, arguments: args, device_id, timeout_ms };
    return c.json(unwrap(await sessionStub(c.env, c.var.tenant, session_id).execute(command)), 200);
  });
}
