/**
 * @module tools/external/errors
 * Sorts what an upstream request threw into the few failures the service acts on. Structured fields
 * (`McpError.code`, the HTTP status of a transport error, the error class) decide first; message text is
 * matched only where the protocol gives nothing better, and says so.
 */
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { redactUrls } from "./redact";

/** Why an upstream request failed. */
export const UpstreamFailure = {
  /** The server no longer knows our session (restarted, or expired it): initialize again, then retry. */
  stale_session: "stale_session",
  /** The server cannot be reached or broke the connection. */
  unavailable: "unavailable",
  /** No answer within the time the caller allowed. */
  timeout: "timeout",
  /** The server answered with a JSON-RPC error. */
  rejected: "rejected",
} as const;
export type UpstreamFailure = (typeof UpstreamFailure)[keyof typeof UpstreamFailure];

/** What failed, for a request that was not cancelled by its caller (that is told by the caller's signal). */
export function classifyUpstreamError(error: unknown, hadSession: boolean): UpstreamFailure {
  if (error instanceof StreamableHTTPError) {
    // 404 is the spec's "session not found"; servers built on the SDK's examples answer 400 to an unknown id.
    if (hadSession && (error.code === 404 || error.code === 400)) return UpstreamFailure.stale_session;
    return UpstreamFailure.unavailable;
  }
  if (error instanceof McpError) {
    // Typed as a plain number: one of the SDK's ErrorCode values, or whatever code the server sent.
    const code = error.code as ErrorCode;
    if (code === ErrorCode.RequestTimeout) return UpstreamFailure.timeout;
    return code === ErrorCode.ConnectionClosed ? UpstreamFailure.unavailable : UpstreamFailure.rejected;
  }
  // fetch() failures (refused, reset, DNS) and anything else the transport throws.
  return UpstreamFailure.unavailable;
}

/** Whether a Streamable HTTP attempt failed in a way that means "this server speaks the old SSE transport". */
export function meansTryLegacySse(error: unknown): boolean {
  // The spec's backwards-compatibility rule: a 4xx to the initialize POST means try GET for an SSE stream.
  if (!(error instanceof StreamableHTTPError) || error.code === undefined) return false;
  return error.code >= 400 && error.code < 500 && error.code !== 401 && error.code !== 403;
}

/**
 * Whether an upstream's answer says the tool does not exist (any more). There is no dedicated error code:
 * SDK servers answer `isError` with "Tool x not found", others a JSON-RPC -32602 "Unknown tool", so the text
 * decides, and only after the code or `isError` narrowed it down.
 */
export function meansToolGone(message: string): boolean {
  return /\btool\b.*\bnot found\b|\bunknown tool\b/i.test(message);
}

/**
 * A message for the caller (and the status view's `last_error`): the error's own text, without the SDK's
 * wrappers' prefixes, with any URL it quotes redacted (no credentials, query string or fragment).
 */
export function upstreamMessage(error: unknown): string {
  if (error instanceof McpError) return redactUrls(error.message.replace(/^MCP error -?\d+: /, ""));
  return redactUrls(error instanceof Error ? error.message : String(error));
}
