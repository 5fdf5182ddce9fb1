/**
 * @module api/mcp/origin
 * The MCP endpoints' `Origin` check, as the MCP transport specification's security guidance asks: a browser's
 * request from an origin that is not allowed is refused 403, so a page a user visits cannot reach the endpoint
 * through DNS rebinding. Allowed: no `Origin` at all (every non-browser client), an origin listed in
 * `mcp.allowed_origins`, and, only while the service itself is reached on a loopback address (`npm start`), a
 * loopback origin (`http://localhost:5173`, the MCP Inspector on the same machine).
 */
import { ApiError } from "../../errors";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Throws 403 `origin_not_allowed` when `request` comes from a browser origin that may not call the endpoint. */
export function checkOrigin(request: Request, allowedOrigins: readonly string[]): void {
  const origin = request.headers.get("Origin");
  if (origin === null) return;
  if (allowedOrigins.includes(origin)) return;
  if (isLoopback(origin) && isLoopback(request.url)) return;
  throw new ApiError("origin_not_allowed", `Origin ${origin} is not allowed to call the MCP endpoint`);
}

function isLoopback(url: string): boolean {
  try {
    return LOOPBACK_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}
