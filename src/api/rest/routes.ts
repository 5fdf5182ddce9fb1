/**
 * @module api/rest/routes
 * The REST API under `/api/v1` (paths and fields from the seed's OpenAPI). Each handler validates through
 * its route's schemas, makes one RPC into the session's Durable Object, and answers.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../../env";
import type { Context } from "hono";
import { REQUEST_ID_HEADER } from "../request-id";
import { noteRequest } from "../request-log";
import { tenantStub } from "../../../durable-objects/tenant";
import { tenantServerViews } from "../../tools/external/status";
import { bindSession, type CallFor, executeTool, sessionStub, unbindSession, unwrap } from "../session-calls";
import { errorResponses } from "./error-responses";
import {
  bindRequests,
  bindResponses,
  deviceFrames,
  executeRequests,
  executionResults,
  messageResponses,
  serverLists,
  sessionViews,
  toolLists,
  unbindResponses,
} from "./examples";
import { acceptedJobResponse, asyncRequested, jobAnswer, registerJobRoutes } from "./job-routes";
import { registerEventsRoute } from "./events-route";
import { jsonBody } from "./json-body";
import { checkRelayHandshake } from "./relay-handshake";
import { API, BODY, common, json, jsonRequest } from "./route-parts";
import type { ExecutionResult as ExecutionResultValue } from "../../contract/execution";
import {
  BindRequest,
  BindResponse,
  DeviceFrame,
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

export const bindRoute = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/mcp/sessions/{sessionId}/bind",
  operationId: "bindSession",
  tags: ["sessions"],
  summary: "Bind a session (idempotent: binding again updates it)",
  description:
    "Binds the gateway's session to a device, before any tool is listed or executed. The answer comes at once: " +
    "the session lists its tools in the background, so it has no `tools` (GET the session for them). " +
    "`token` is kept to sign the device's vision token and is never returned (`has_token` says whether there is one).",
  request: { params: SessionPathParams, body: jsonRequest(BindRequest, bindRequests) },
  responses: {
    200: json(BindResponse, "The session as bound", bindResponses),
    ...errorResponses(...API, ...BODY, "session_limit_reached"),
  },
});

export const getSessionRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/sessions/{sessionId}",
  operationId: "getSession",
  tags: ["sessions"],
  summary: "The session's binding (without its token) and what it knows",
  description:
    "The binding, its timestamps, every source's tools as listed now, and the device relay's state " +
    "(including the latest notification the device sent). Reading it counts as using the session.",
  request: { params: SessionPathParams },
  responses: {
    200: json(SessionView, "The session", sessionViews),
    ...errorResponses(...API, "invalid_request", "session_not_found"),
  },
});

export const unbindRoute = createRoute({
  ...common,
  method: "delete",
  path: "/api/v1/mcp/sessions/{sessionId}",
  operationId: "unbindSession",
  tags: ["sessions"],
  summary: "Unbind: forget the session and everything it holds",
  description:
    "Closes the device relay (code 4001), cancels the calls still running (`cancelled`) and deletes the session's " +
    "storage. Binding the same id again starts afresh.",
  request: { params: SessionPathParams },
  responses: {
    200: json(UnbindResponse, "The session is gone", unbindResponses),
    ...errorResponses(...API, "invalid_request", "session_not_found"),
  },
});

export const listToolsRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/tools",
  operationId: "listTools",
  tags: ["tools"],
  summary: "The tools of a session, from every source",
  description:
    "One list merged from the local tools, the configured external MCP servers and the device, with each " +
    "source's status. A source that cannot answer contributes no tools and says why; the list never fails for it.",
  request: { query: ToolsQuery },
  responses: {
    200: json(ToolsResponse, "The tools, and how each source answered", toolLists),
    ...errorResponses(...API, "invalid_request", "session_not_found"),
  },
});

export const executeRoute = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/mcp/tools/{toolName}/execute",
  operationId: "executeTool",
  tags: ["tools"],
  summary: "Execute a tool; a failed execution is a 200 with success false",
  description:
    "Runs the session's tool with the arguments, brought first to the types its input schema declares. " +
    "`action` tells the gateway what to do with the result (`req_llm`, `call_handler`, `response`); a tool that " +
    "fails answers 200 with `success: false` and an `error` for the LLM. `device_id`, when given, must be the " +
    'session\'s device. With `"mode": "async"` (or `Prefer: respond-async` and no `mode`) the call runs as a job: ' +
    "202 with the job and its `url` (also in `Location`) at once.",
  request: { params: ToolPathParams, body: jsonRequest(ExecuteRequest, executeRequests) },
  responses: {
    200: json(ExecutionResult, "The execution result", executionResults),
    202: acceptedJobResponse,
    ...errorResponses(...API, ...BODY, "session_not_found", "tool_not_found", "device_mismatch", "job_limit_reached"),
  },
});

export const relayRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/sessions/{sessionId}/relay",
  operationId: "openRelay",
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
    ...errorResponses(...API, "invalid_request", "session_not_found", "upgrade_required"),
  },
});

export const messagesRoute = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/mcp/sessions/{sessionId}/messages",
  operationId: "postDeviceMessage",
  tags: ["device"],
  summary: "Deliver one frame from the device over HTTP instead of the relay (HandleXiaoZhiMessage)",
  description:
    "For gateways that receive the device's replies elsewhere: the frame is taken as if it came on the relay " +
    "(a reply answers its call, a notification is recorded). Requests to the device still go out on the relay.",
  request: { params: SessionPathParams, body: jsonRequest(DeviceFrame, deviceFrames) },
  responses: {
    200: json(MessageResponse, "The frame was taken", messageResponses),
    ...errorResponses(...API, ...BODY, "session_not_found"),
  },
});

export const listServersRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/servers",
  operationId: "listServers",
  tags: ["tools"],
  summary:
    "The configured external MCP servers as a session sees them, or (without session_id) as the tenant's sessions last saw them",
  description:
    "Every configured server, disabled, unsupported (stdio) and invalid ones included. With `session_id`: this " +
    "session's connection to it (`idle` until a call or a listing needs it), tools, last error and breaker. Without: " +
    "for operators, each server's health as the tenant's sessions last reported a change (`down` when a connection " +
    "failed, `up` when one was ready again, `unknown` until one did), its circuit, and which session saw it when.",
  request: { query: ServersQuery },
  responses: {
    200: json(ServersResponse, "Every configured server", serverLists),
    ...errorResponses(...API, "invalid_request", "session_not_found"),
  },
});

export function registerRestRoutes(app: OpenAPIHono<AppEnv>): void {
  for (const route of [bindRoute, executeRoute, messagesRoute]) app.on(route.method, route.getRoutingPath(), jsonBody());

  app.openapi(bindRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    noteRequest(c, { session: sessionId });
    return c.json(await bindSession(c.env, callFor(c), sessionId, c.req.valid("json")), 200);
  });

  app.openapi(getSessionRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    noteRequest(c, { session: sessionId });
    return c.json(unwrap(await sessionStub(c.env, c.var.tenant, sessionId).describe()), 200);
  });

  app.openapi(unbindRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    noteRequest(c, { session: sessionId });
    return c.json(await unbindSession(c.env, c.var.tenant, sessionId), 200);
  });

  app.openapi(relayRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    noteRequest(c, { session: sessionId });
    checkRelayHandshake(c.req.raw);
    // An upgrade cannot travel over RPC: this one request reaches the session as a fetch, with the request's id.
    const request = new Request(c.req.raw);
    request.headers.set(REQUEST_ID_HEADER, c.var.requestId);
    return sessionStub(c.env, c.var.tenant, sessionId).fetch(request);
  });

  app.openapi(messagesRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    noteRequest(c, { session: sessionId });
    const frame = c.req.valid("json");
    const receipt = unwrap(await sessionStub(c.env, c.var.tenant, sessionId).handleDeviceFrame(frame));
    return c.json({ success: receipt.handled, result: receipt.result }, 200);
  });

  app.openapi(listToolsRoute, async (c) => {
    const { session_id } = c.req.valid("query");
    noteRequest(c, { session: session_id });
    return c.json(unwrap(await sessionStub(c.env, c.var.tenant, session_id).listTools()), 200);
  });

  app.openapi(listServersRoute, async (c) => {
    const { session_id } = c.req.valid("query");
    if (session_id === undefined) {
      const sightings = await tenantStub(c.env, c.var.tenant).serverSightings();
      return c.json({ servers: tenantServerViews(c.var.config.mcpServers, sightings) }, 200);
    }
    noteRequest(c, { session: session_id });
    const servers = unwrap(await sessionStub(c.env, c.var.tenant, session_id).servers());
    return c.json({ servers }, 200);
  });

  app.openapi(executeRoute, async (c) => {
    const { toolName } = c.req.valid("param");
    const { session_id, arguments: args, device_id, timeout_ms, mode } = c.req.valid("json");
    noteRequest(c, { session: session_id, tool: toolName });
    const command = { tool_name: toolName, arguments: args, device_id, timeout_ms };
    if (asyncRequested(mode, c.req.header("Prefer"))) {
      const session = sessionStub(c.env, c.var.tenant, session_id);
      const { body, headers } = jobAnswer(unwrap(await session.startJob({ ...command, request_id: c.var.requestId })));
      return c.json(body, 202, headers);
    }
    const { result, source } = await executeTool(c.env, callFor(c), session_id, command);
    noteRequest(c, { source });
    // Typed explicitly: beside the 202, inference would widen the result's `unknown` field to any JSON value.
    return c.json<ExecutionResultValue, 200>(result, 200);
  });

  registerJobRoutes(app);
  registerEventsRoute(app);
}

/** The tenant and the request id of an authenticated request. */
function callFor(c: Context<AppEnv>): CallFor {
  return { tenant: c.var.tenant, requestId: c.var.requestId };
}
