/**
 * @module api/mcp/routes
 * The MCP endpoint of a bound session, `/api/v1/mcp/sessions/{sessionId}/mcp` (Streamable HTTP), behind the same
 * API key, config check and rate limit as every `/api` route. After the `Origin` check (origin.ts), a request is
 * served by the v2 SDK's `createMcpHandler`, which answers both protocol eras, negotiated per request: 2026-07-28
 * (stateless: `server/discover`, `_meta` protocol version, `Mcp-Method`/`Mcp-Name` checked against the body, list
 * results with `ttlMs`/`cacheScope`) and 2025-era clients (`initialize`, then requests; JSON or SSE answers). The
 * session is the path's, so the endpoint holds no MCP session of its own: no `Mcp-Session-Id`, and GET and DELETE
 * answer 405 (unbinding is REST's DELETE of the session).
 */
import { createMcpHandler } from "@modelcontextprotocol/server";
import { NOT_BOUND_MESSAGE } from "../../../durable-objects/session-api";
import type { OpenAPIHono } from "@hono/zod-openapi";
import { SessionId } from "../../contract/session";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { fieldIssues, invalidRequest } from "../../validation";
import { loggerFor, errorText } from "../../observability/log";
import { noteRequest } from "../request-log";
import { sessionStub, unwrap } from "../session-calls";
import { checkOrigin } from "./origin";
import { type SessionTools, sessionMcpServer } from "./server";

export const SESSION_MCP_PATH = "/api/v1/mcp/sessions/:sessionId/mcp";

/** The MCP endpoint's routes; `version` is the service's, as the server's MCP `serverInfo` gives it. */
export function registerMcpRoutes(app: OpenAPIHono<AppEnv>, server: { name: string; version: string }): void {
  app.all(SESSION_MCP_PATH, async function sessionMcp(c) {
    const { config } = c.var;
    checkOrigin(c.req.raw, config.mcp.allowed_origins);
    const parsed = SessionId.safeParse(c.req.param("sessionId"));
    if (!parsed.success) throw invalidRequest("path parameters", fieldIssues(parsed.error, "sessionId"));
    noteRequest(c, { session: parsed.data });
    const stub = sessionStub(c.env, c.var.tenant, parsed.data);
    if (!(await stub.isBound())) {
      throw new ApiError("session_not_found", NOT_BOUND_MESSAGE);
    }
    const tools: SessionTools = {
      list: async () => unwrap(await stub.listTools()),
      call: async (name, args) =>
        unwrap(await stub.executeForMcp({ tool_name: name, arguments: args, request_id: c.var.requestId })),
    };
    const handler = createMcpHandler(
      () => sessionMcpServer(tools, { ...server, listTtlMs: config.external.tool_cache_ttl_seconds * 1000 }),
      {
        maxRequestBodySize: config.limits.max_body_bytes,
        onerror: (error) =>
          loggerFor(c.env, { request_id: c.var.requestId }).warn("mcp_endpoint_error", { error: errorText(error) }),
      },
    );
    return handler.fetch(c.req.raw);
  });
}
