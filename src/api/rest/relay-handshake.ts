/**
 * @module api/rest/relay-handshake
 * Checks the relay's WebSocket handshake in the Worker, before the session object sees the request: the
 * session replaces its live relay as soon as it answers an upgrade, so an upgrade the runtime would refuse
 * afterwards (RFC 6455 §4.2.1: no `Sec-WebSocket-Key`, a version other than 13) must never reach it.
 *
 * Which requests carry a handshake: one that came over HTTP (it has `request.cf`: Cloudflare's edge, or
 * `wrangler dev`), and any that sends a `Sec-WebSocket-*` header. An upgrade from another Worker through a
 * service binding (no `cf`, no such headers) is completed by the runtime itself and needs only
 * `Upgrade: websocket`.
 */
import { ApiError } from "../../errors";

/** The only WebSocket version there is (RFC 6455 §4.1). */
const WEBSOCKET_VERSION = "13";

/** A base64-encoded 16-byte nonce (RFC 6455 §4.1, item 7). */
const WEBSOCKET_KEY = /^[A-Za-z0-9+/]{22}==$/;

/**
 * Throws the error the relay (or `what` else upgrades: the agent endpoint's socket) answers when `request` is not
 * an upgrade the runtime will complete.
 * @throws ApiError `upgrade_required` (426) without `Upgrade: websocket`, or with a version other than 13
 *   (`Sec-WebSocket-Version: 13` says which); `invalid_request` (400) without a valid `Sec-WebSocket-Key`.
 */
export function checkRelayHandshake(request: Request, what = "the relay"): void {
  const { headers } = request;
  if (headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("upgrade_required", `${what} is a WebSocket: send Upgrade: websocket`);
  }
  const version = headers.get("Sec-WebSocket-Version");
  const key = headers.get("Sec-WebSocket-Key");
  if (request.cf === undefined && version === null && key === null) return;
  if (version !== WEBSOCKET_VERSION) {
    const got = version === null ? "none" : `"${version}"`;
    throw new ApiError(
      "upgrade_required",
      `unsupported WebSocket version (got ${got}): send Sec-WebSocket-Version: ${WEBSOCKET_VERSION}`,
      undefined,
      { "Sec-WebSocket-Version": WEBSOCKET_VERSION },
    );
  }
  if (key === null || !WEBSOCKET_KEY.test(key)) {
    throw new ApiError(
      "invalid_request",
      `invalid WebSocket handshake: Sec-WebSocket-Key must be a base64-encoded 16-byte nonce (got ${key === null ? "none" : `"${key}"`})`,
    );
  }
}
