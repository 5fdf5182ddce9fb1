/**
 * @module api/mcp/serve
 * Serves one MCP request (Streamable HTTP) from a bound session, for both MCP endpoints (the session's and the
 * tenant's): the v2 SDK's `createMcpHandler` answers POSTs of either protocol era, negotiated per request, over
 * the session's tools (server.ts); a GET is the 2025-era notification stream and `subscriptions/listen` the
 * 2026-07-28 one, both fed by the session's `tools_changed` events (notifications.ts). Tool progress reaches the
 * client that asked for it (its `progressToken`), through a callback the session's object calls over RPC.
 */
import { createMcpHandler } from "@modelcontextprotocol/server";
import type { Context } from "hono";
import type { AppEnv } from "../../env";
import { loggerFor } from "../../observability/env-logger";
import { errorText } from "../../observability/log";
import { listenToSession, sessionStub, unwrap } from "../session-calls";
import { listChangedStream, sessionEventBus } from "./notifications";
import { type SessionTools, sessionMcpServer } from "./server";

/** Who serves the request: the service's name and version, as the server's MCP `serverInfo` gives them. */
export interface ServerIdentity {
  name: string;
  version: string;
}

/** Answers `request` (its body already read and checked, see body.ts) from the bound session `sessionId`. */
export async function serveSession(
  c: Context<AppEnv>,
  sessionId: string,
  request: Request,
  identity: ServerIdentity,
): Promise<Response> {
  const { config, tenant, requestId } = c.var;
  const caller = { tenant, requestId };
  const open = (after: number) => listenToSession(c.env, caller, sessionId, after);
  if (request.method === "GET") return listChangedStream(request, open);
  const stub = sessionStub(c.env, tenant, sessionId);
  const tools: SessionTools = {
    list: async () => unwrap(await stub.listTools()),
    call: async (name, args, onProgress) =>
      unwrap(await stub.executeForMcp({ tool_name: name, arguments: args, request_id: requestId }, onProgress)),
  };
  const options = { ...identity, listTtlMs: config.external.tool_cache_ttl_seconds * 1000 };
  const handler = createMcpHandler(() => sessionMcpServer(tools, options), {
    maxRequestBodySize: config.limits.max_body_bytes,
    // A `subscriptions/listen` stream ends when its session does.
    bus: sessionEventBus(open, () => void handler.close()),
    onerror: (error) => loggerFor(c.env, { request_id: requestId }).warn("mcp_endpoint_error", { error: errorText(error) }),
  });
  return handler.fetch(request);
}
