/**
 * A failed call: the service's error code and message (or one of the client's own codes when no answer came),
 * the HTTP status and the request id, so a gateway's log line can be matched with the service's.
 */

/** Codes the client gives failures that never reached an answer from the service (the Go and Python clients use
 * the same). Every other code is the service's own: session_not_found, tool_not_found, invalid_request, … */
export const ClientCode = {
  /** The service could not be reached (connection refused or reset, DNS). */
  unavailable: "service_unavailable",
  /** No answer within the call's timeout. */
  timeout: "service_timeout",
  /** The breaker is open after repeated failures: the call was not sent. */
  circuitOpen: "circuit_open",
  /** An answer that is not the API's JSON. */
  badResponse: "bad_response",
  /** The caller aborted the call (not a service failure). */
  cancelled: "client_cancelled",
} as const;

export interface ServiceErrorInit {
  op: string;
  code: string;
  message: string;
  /** 0 when no answer came. */
  status?: number;
  details?: unknown;
  requestId: string;
  attempts?: number;
  cause?: unknown;
}

export class ServiceError extends Error {
  override readonly name = "ServiceError";
  /** The client method, e.g. "executeTool". */
  readonly op: string;
  /** The service's error code, or one of {@link ClientCode}. */
  readonly code: string;
  /** HTTP status; 0 when there was no answer. */
  readonly status: number;
  readonly details: unknown;
  /** The answer's X-Request-Id (or cf-ray) when the service sent one, else the X-Request-Id the client sent. */
  readonly requestId: string;
  /** How many times the call was sent. */
  attempts: number;

  constructor(init: ServiceErrorInit) {
    const status = init.status ?? 0;
    super(`${init.op}: ${init.code}: ${init.message}${status ? ` (HTTP ${status})` : ""} [request ${init.requestId}]`, {
      cause: init.cause,
    });
    this.op = init.op;
    this.code = init.code;
    this.status = status;
    this.details = init.details;
    this.requestId = init.requestId;
    this.attempts = init.attempts ?? 1;
  }

  /**
   * The service itself failed — unreachable, too slow, a 5xx, an open circuit, a rejected or unconfigured key, a
   * garbled answer — as opposed to an answer about the request (an unknown session or tool, bad arguments).
   * This is what fallback covers.
   */
  get isServiceFailure(): boolean {
    switch (this.code) {
      case ClientCode.unavailable:
      case ClientCode.timeout:
      case ClientCode.circuitOpen:
      case ClientCode.badResponse:
        return true;
      case ClientCode.cancelled:
        return false;
      default:
        return this.status >= 500 || this.status === 401 || this.status === 429;
    }
  }

  /** Says the service is unhealthy (counts against the breaker): not a bad key or config, not a bad request. */
  get isUnhealthy(): boolean {
    switch (this.code) {
      case ClientCode.unavailable:
      case ClientCode.timeout:
      case ClientCode.badResponse:
        return true;
      case "config_invalid":
      case "not_configured":
        return false;
      default:
        return this.status >= 500;
    }
  }

  /** Worth sending again (idempotent calls only). */
  get isRetryable(): boolean {
    return this.isUnhealthy || this.status === 429;
  }
}
