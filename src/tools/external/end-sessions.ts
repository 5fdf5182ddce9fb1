/**
 * @module tools/external/end-sessions
 * Ends a session's Streamable HTTP sessions on the upstreams (the spec's DELETE with `Mcp-Session-Id`) when the
 * session is unbound or expires. Works from what the session stored, so it needs no open connection: the object
 * may have been evicted or restarted since the upstream sessions were opened.
 *
 * Best effort: each DELETE is given {@link END_SESSION_TIMEOUT_MS}; a failure is logged (`upstream_session_not_ended`)
 * and dropped (the upstream expires the session itself in the end).
 */
import { type FetchLike, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import type { HttpServerConfig, McpServerConfig } from "../../config/mcp-servers";
import type { Logger } from "../../observability/log";
import { timeoutSignal } from "../../util/abort";
import { upstreamMessage } from "./errors";
import type { StoredUpstreamSession } from "./upstream-session";

/** How long ending one upstream session may take. */
const END_SESSION_TIMEOUT_MS = 2_000;

/**
 * Ends every session in `sessions` whose server is still configured at the same URL (its configured headers,
 * credentials included, are sent to that URL only), with `baseFetch` (connect.ts `upstreamFetch`). Never throws.
 */
export async function endUpstreamSessions(
  servers: readonly McpServerConfig[],
  sessions: readonly StoredUpstreamSession[],
  logger: Logger,
  baseFetch: FetchLike,
): Promise<void> {
  await Promise.all(
    sessions.map(async (session) => {
      const server = servers.find((s): s is HttpServerConfig => s.kind === "http" && s.name === session.server);
      // A 2026-07-28 server's entry holds no session (that era has none): nothing to end.
      if (!server || server.url !== session.url || session.transport !== "streamable-http" || session.session_id === "") return;
      try {
        await endUpstreamSession(server, session, baseFetch);
      } catch (error) {
        logger.warn("upstream_session_not_ended", { server: server.name, reason: upstreamMessage(error) });
      }
    }),
  );
}

async function endUpstreamSession(server: HttpServerConfig, session: StoredUpstreamSession, baseFetch: FetchLike): Promise<void> {
  const transport = new StreamableHTTPClientTransport(new URL(session.url), {
    sessionId: session.session_id,
    ...(session.protocol_version ? { protocolVersion: session.protocol_version } : {}),
    requestInit: { headers: server.headers },
    // terminateSession() has no deadline of its own.
    fetch: async (url, init) => {
      const deadline = timeoutSignal(END_SESSION_TIMEOUT_MS);
      try {
        return await baseFetch(url, { ...init, signal: deadline.signal });
      } finally {
        deadline.clear();
      }
    },
  });
  await transport.terminateSession();
}
