/**
 * @module api/mcp/tenant-routes
 * The tenant's MCP endpoint, `/api/v1/mcp/mcp` (Streamable HTTP): for gateways that configure MCP servers once
 * for all their devices. It serves the tenant's local and external tools (no device) from sessions of its own,
 * behind the same API key, tenant isolation, `Origin` check and body checks as the session's endpoint.
 *
 * ## 2025-era clients: one session per MCP connection
 * - `initialize` (no `Mcp-Session-Id`) binds a new session and answers its id as `Mcp-Session-Id`. The id is
 *   `_mcp-` and a random UUID: a leading `_` is outside the session id rule of REST and RPC, so no gateway call
 *   can bind, use or unbind such a session, nor collide with one; the MCP connection is its only handle.
 * - Requests with that `Mcp-Session-Id` are served by it: POSTs, and a GET stream of `list_changed`.
 * - DELETE ends it (unbind); idle expiry ends it as it ends any session; its seat counts against
 *   `limits.max_sessions_per_tenant` meanwhile.
 * - An unknown or ended `Mcp-Session-Id` (another tenant's included) is 404, so the client initializes again; a
 *   request other than `initialize` without one is 400, as the transport specification says.
 *
 * ## 2026-07-28 clients: stateless, one shared session
 * They have no connection to hang a session on: every request of theirs is served by the tenant's one stateless
 * session (`_mcp-stateless`), bound on demand and expiring when idle like any session. Its tool list is the same
 * for all (no device, no filter), so sharing it loses nothing, and its upstream connections are reused across
 * requests instead of opened per request.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { isLegacyRequest } from "@modelcontextprotocol/server";
import type { Context } from "hono";
import { MCP_SESSION_PREFIX } from "../../contract/session";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { parseJson } from "../../util/json";
import { noteRequest } from "../request-log";
import { bindSession, sessionStub } from "../session-calls";
import { methodOf, readMcpRequest } from "./body";
import { checkOrigin } from "./origin";
import { type ServerIdentity, serveSession } from "./serve";

export const TENANT_MCP_PATH = "/api/v1/mcp/mcp";

/** The prefix of the sessions this endpoint binds: outside the session id rule, so only it reaches them. */
/** The session serving every 2026-07-28 request of a tenant. */
const STATELESS_SESSION_ID = `${MCP_SESSION_PREFIX}stateless`;
/** A connection's session id: the prefix and a random UUID. */
const CONNECTION_ID = new RegExp(`^${MCP_SESSION_PREFIX}[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`);
const SESSION_HEADER = "Mcp-Session-Id";
const GONE_MESSAGE = "MCP session not found: it ended or never existed; initialize a new one";

export function registerTenantMcpRoute(app: OpenAPIHono<AppEnv>, identity: ServerIdentity): void {
  app.all(TENANT_MCP_PATH, async function tenantMcp(c) {
    checkOrigin(c.req.raw, c.var.config.mcp.allowed_origins);
    const { request, message } = await readMcpRequest(c.req.raw, c.var.config.limits.max_body_bytes);
    const connection = request.headers.get(SESSION_HEADER);
    if (connection !== null) return serveConnection(c, connection, request, identity);
    if (request.method === "POST" && methodOf(message) === "initialize") {
      return openConnection(c, request, message, identity);
    }
    if (request.method === "POST" && !(await isLegacyRequest(request))) {
      await ensureBound(c, STATELESS_SESSION_ID, "mcp-stateless");
      noteRequest(c, { session: STATELESS_SESSION_ID });
      return serveSession(c, STATELESS_SESSION_ID, request, identity);
    }
    throw new ApiError(
      "invalid_request",
      `${SESSION_HEADER} header required: send initialize first, then its ${SESSION_HEADER} with every request`,
    );
  });
}

/** `initialize`: a new session for the connection, answered as the response's `Mcp-Session-Id`. */
async function openConnection(
  c: Context<AppEnv>,
  request: Request,
  message: unknown,
  identity: ServerIdentity,
): Promise<Response> {
  const sessionId = `${MCP_SESSION_PREFIX}${crypto.randomUUID()}`;
  noteRequest(c, { session: sessionId });
  await bindSession(c.env, callFor(c), sessionId, { device_id: "mcp", client_id: clientName(message) });
  const res = await serveSession(c, sessionId, request, identity);
  // The answer to initialize is one message (JSON, or an SSE stream that ends with it): read whole, it says
  // whether the handshake succeeded.
  const body = await res.text();
  const headers = new Headers(res.headers);
  if (res.ok && answeredWithResult(body)) headers.set(SESSION_HEADER, sessionId);
  else await sessionStub(c.env, c.var.tenant, sessionId).unbind(); // refused: no connection, no session
  return new Response(body, { status: res.status, statusText: res.statusText, headers });
}

/** Whether the JSON-RPC answer in `body` (JSON, or SSE `data:` lines) is a result, not an error. */
function answeredWithResult(body: string): boolean {
  const texts = body.trimStart().startsWith("{")
    ? [body]
    : body
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice("data:".length));
  return texts.some((text) => {
    const parsed = parseJson(text);
    return parsed.ok && typeof parsed.value === "object" && parsed.value !== null && "result" in parsed.value;
  });
}

/** A request of the connection `connection`: served by its session, ended by DELETE, 404 once it is gone. */
async function serveConnection(
  c: Context<AppEnv>,
  connection: string,
  request: Request,
  identity: ServerIdentity,
): Promise<Response> {
  if (!CONNECTION_ID.test(connection)) throw new ApiError("session_not_found", GONE_MESSAGE);
  noteRequest(c, { session: connection });
  const stub = sessionStub(c.env, c.var.tenant, connection);
  if (request.method === "DELETE") {
    if (!(await stub.unbind())) throw new ApiError("session_not_found", GONE_MESSAGE);
    return new Response(null, { status: 204 });
  }
  // A GET listens (which is not use): the session answers 404 itself when it is gone.
  if (request.method !== "GET" && !(await stub.isBound())) throw new ApiError("session_not_found", GONE_MESSAGE);
  return serveSession(c, connection, request, identity);
}

/** Binds `sessionId` unless it is bound (an `isBound` that answers true counts as its use). */
async function ensureBound(c: Context<AppEnv>, sessionId: string, clientId: string): Promise<void> {
  if (await sessionStub(c.env, c.var.tenant, sessionId).isBound()) return;
  await bindSession(c.env, callFor(c), sessionId, { device_id: "mcp", client_id: clientId });
}

function callFor(c: Context<AppEnv>) {
  return { tenant: c.var.tenant, requestId: c.var.requestId };
}

/** The client's name from its `initialize` (`clientInfo.name`), as the session's client id. */
function clientName(message: unknown): string {
  const params = (message as { params?: { clientInfo?: { name?: unknown } } }).params;
  const name = params?.clientInfo?.name;
  return typeof name === "string" && name.length > 0 ? name.slice(0, 128) : "mcp";
}
