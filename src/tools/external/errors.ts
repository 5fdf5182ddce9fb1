/**
 * @module tools/external/errors
 * Sorts what an upstream request threw into the few failures the service acts on. Structured fields
 * (`ProtocolError.code`, the HTTP status of an `SdkHttpError`, an `SdkError`'s code) decide first; message text
 * is matched only where the protocol gives nothing better, and says so.
 */
import { ProtocolError, ProtocolErrorCode, SdkError, SdkErrorCode, SdkHttpError } from "@modelcontextprotocol/client";
import { redactUrls } from "./redact";

/**
 * The JSON-RPC code of a request whose connection closed before its answer: what answer-watch.ts answers a request
 * with when its answer stream drops (the code the 2025-era SDKs give their `ConnectionClosed`).
 */
export const CONNECTION_CLOSED_CODE = -32000;

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
  /**
   * The server answered with a result this service cannot act on for its callers: a 2026-07-28 `input_required`
   * (it asks the client for elicitation or sampling input) or a task (`io.modelcontextprotocol/tasks`); or it
   * refused the call because it needs such input and the service's client does not declare the capability
   * (JSON-RPC -32021, which a server that keeps to the spec answers instead of `input_required`).
   */
  unsupported_result: "unsupported_result",
} as const;
export type UpstreamFailure = (typeof UpstreamFailure)[keyof typeof UpstreamFailure];

/** What failed, for a request that was not cancelled by its caller (that is told by the caller's signal). */
export function classifyUpstreamError(error: unknown, hadSession: boolean): UpstreamFailure {
  if (error instanceof SdkHttpError) {
    // 404 is the spec's "session not found"; servers built on the SDK's examples answer 400 to an unknown id.
    if (hadSession && (error.status === 404 || error.status === 400)) return UpstreamFailure.stale_session;
    return UpstreamFailure.unavailable;
  }
  if (error instanceof ProtocolError) {
    if (error.code === CONNECTION_CLOSED_CODE) return UpstreamFailure.unavailable;
    if (error.code === Number(ProtocolErrorCode.MissingRequiredClientCapability)) return UpstreamFailure.unsupported_result;
    return UpstreamFailure.rejected;
  }
  if (error instanceof SdkError) {
    switch (error.code) {
      case SdkErrorCode.RequestTimeout:
        return UpstreamFailure.timeout;
      case SdkErrorCode.UnsupportedResultType:
      case SdkErrorCode.InputRequiredRoundsExceeded:
        return UpstreamFailure.unsupported_result;
      // The server's answer broke the protocol (a result that does not fit, say): it is up, the request failed.
      case SdkErrorCode.InvalidResult:
        return UpstreamFailure.rejected;
      default:
        return UpstreamFailure.unavailable;
    }
  }
  // fetch() failures (refused, reset, DNS) and anything else the transport throws.
  return UpstreamFailure.unavailable;
}

/** Why an `unsupported_result` failure cannot be answered, naming the kind of result `server` gave. */
export function unsupportedResultMessage(server: string, error: unknown): string {
  switch (resultTypeOf(error)) {
    case "input_required":
      return (
        `${server} asks for more input before it answers (an input_required result: elicitation or sampling), ` +
        "which this call cannot give"
      );
    case "missing_capability":
      return `${server} needs more input before it answers, which this call cannot give: ${upstreamMessage(error)}`;
    case "task":
      return `${server} runs the call as a task (io.modelcontextprotocol/tasks), which this service does not follow`;
    default:
      return `${server} answered with a result this service cannot use: ${upstreamMessage(error)}`;
  }
}

/**
 * The kind of result an `unsupported_result` failure got (`input_required`, `task`, …) when the SDK says, or
 * `missing_capability` for the server's refusal.
 */
function resultTypeOf(error: unknown): string | undefined {
  if (error instanceof ProtocolError) return "missing_capability";
  if (!(error instanceof SdkError)) return undefined;
  if (error.code === SdkErrorCode.InputRequiredRoundsExceeded) return "input_required";
  const data = error.data;
  if (typeof data !== "object" || data === null || !("resultType" in data)) return undefined;
  return typeof data.resultType === "string" ? data.resultType : undefined;
}

/** Whether a Streamable HTTP attempt failed in a way that means "this server speaks the old SSE transport". */
export function meansTryLegacySse(error: unknown): boolean {
  // The spec's backwards-compatibility rule: a 4xx to the initialize POST means try GET for an SSE stream.
  if (!(error instanceof SdkHttpError)) return false;
  return error.status >= 400 && error.status < 500 && error.status !== 401 && error.status !== 403;
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
 * A message for the caller (and the status view's `last_error`): the error's own text, with any URL it quotes
 * redacted (no credentials, query string or fragment).
 */
export function upstreamMessage(error: unknown): string {
  return redactUrls(error instanceof Error ? error.message : String(error));
}
