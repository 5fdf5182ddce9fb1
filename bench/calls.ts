/**
 * @module bench/calls
 * The requests the bench scripts make, written once: binding the bench's session, one tool execute whose answer
 * says it succeeded, and mcp-hub's REST tool call (the peer), each as the scripts send them.
 */
import type { McpHub } from "./peers.ts";

/** The `echo` arguments every external call of the bench sends. */
export const ECHO_ARGS = { message: "bench" };

function jsonHeaders(apiKey: string): Record<string, string> {
  return { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" };
}

/** Binds `session` on the service at `baseUrl` for the bench's simulated device; throws when the bind is refused. */
export async function bindBenchSession(baseUrl: string, session: string, apiKey: string): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/mcp/sessions/${session}/bind`, {
    method: "POST",
    headers: jsonHeaders(apiKey),
    body: JSON.stringify({ device_id: "bench-device", client_id: "bench-client" }),
  });
  if (!res.ok) throw new Error(`bind failed: ${res.status} ${await res.text()}`);
}

/** One execute of `tool` with the `echo` arguments in `session`; resolves true when it succeeded. */
export function executeCall(baseUrl: string, session: string, apiKey: string, tool: string): () => Promise<boolean> {
  return async () => {
    const res = await fetch(`${baseUrl}/api/v1/mcp/tools/${tool}/execute`, {
      method: "POST",
      headers: jsonHeaders(apiKey),
      body: JSON.stringify({ session_id: session, arguments: ECHO_ARGS }),
    });
    return res.ok && ((await res.json()) as { success: boolean }).success;
  };
}

/** mcp-hub's `POST /api/servers/tools` of `echo` on its upstream; resolves true when the tool answered without an error. */
export function hubEchoCall(hub: McpHub): () => Promise<boolean> {
  return async () => {
    const res = await fetch(`${hub.url}/api/servers/tools`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ server_name: hub.server, tool: "echo", arguments: ECHO_ARGS }),
    });
    const body = (await res.json()) as { result?: { isError?: boolean } };
    return res.ok && body.result !== undefined && body.result.isError !== true;
  };
}
