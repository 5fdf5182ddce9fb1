/**
 * @module api/mcp/routes
 * The MCP endpoint of a bound session, `/api/v1/mcp/sessions/{sessionId}/mcp` (Streamable HTTP), behind the same
 * API key, config check and rate limit as every `/api` route. After the `Origin` check (origin.ts) and the body's
 * checks (body.ts), the session serves the request (serve.ts): both protocol eras, negotiated per request
 * (2026-07-28: stateless, `server/discover`, `Mcp-Method`/`Mcp-Name` checked against the body, list results with
 * `ttlMs`/`cacheScope`; 2025-era: `initialize`, then requests, JSON or SSE answers), a GET stream and
 * `subscriptions/listen` carrying `notifications/tools/list_changed`. The session is the path's, so the endpoint
 * holds no MCP session of its own: no `Mcp-Session-Id`, and DELETE answers 405 (unbinding is REST's DELETE of
 * the session). The tenant's endpoint, whose connections each get a session, is tenant-routes.ts.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { NOT_BOUND_MESSAGE } from "../../../durable-objects/session-api";
import { SessionId } from "../../contract/session";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { fieldIssues, invalidRequest } from "../../validation";
import { noteRequest } from "../request-log";
import { sessionStub } from "../session-calls";
import { readMcpRequest } from "./body";
import { checkOrigin } from "./origin";
import { type ServerIdentity, serveSession } from "./serve";
import { registerTenantMcpRoute } from "./tenant-routes";

export const SESSION_MCP_PATH = "/api/v1/mcp/sessions/:sessionId/mcp";

/** The MCP endpoints' routes (the session's and the tenant's). */
export function registerMcpRoutes(app: OpenAPIHono<AppEnv>, identity: ServerIdentity): void {
  app.all(SESSION_MCP_PATH, async function sessionMcp(c) {
    const { config } = c.var;
    checkOrigin(c.req.raw, config.mcp.allowed_origins);
    const parsed = SessionId.safeParse(c.req.param("sessionId"));
    if (!parsed.success) throw invalidRequest("path parameters", fieldIssues(parsed.error, "sessionId"));
    noteRequest(c, { session: parsed.data });
    if (c.req.method === "DELETE") {
      throw new ApiError(
        "method_not_allowed",
        "DELETE is not allowed on a session's MCP endpoint: it holds no MCP session",
        undefined,
        {
          Allow: "GET, POST",
        },
      );
    }
    const { request } = await readMcpRequest(c.req.raw, config.limits.max_body_bytes);
    // A GET listens (which is not use of the session): the session answers 404 itself when it is not bound.
    if (request.method !== "GET" && !(await sessionStub(c.env, c.var.tenant, parsed.data).isBound())) {
      throw new ApiError("session_not_found", NOT_BOUND_MESSAGE);
    }
    return serveSession(c, parsed.data, request, identity);
  });
  registerTenantMcpRoute(app, identity);
}
