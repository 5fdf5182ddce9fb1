/**
 * @module errors
 * The one error model of every API: `{"error": {"code", "message", "details", "request_id"}}` with an HTTP status;
 * `request_id` is the request's `X-Request-Id`, the key to its lines in the service's log.
 * Route code throws {@link ApiError}; `app.onError` turns it (and anything unexpected) into the response.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Machine-readable error codes, each with the HTTP status it is answered with. */
export const ErrorStatus = {
  invalid_json: 400,
  invalid_request: 400,
  unauthorized: 401,
  origin_not_allowed: 403,
  not_found: 404,
  session_not_found: 404,
  tool_not_found: 404,
  job_not_found: 404,
  endpoint_not_found: 404,
  method_not_allowed: 405,
  device_mismatch: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upgrade_required: 426,
  rate_limited: 429,
  session_limit_reached: 429,
  job_limit_reached: 429,
  endpoint_limit_reached: 429,
  internal: 500,
  not_configured: 503,
  config_invalid: 503,
} as const satisfies Record<string, ContentfulStatusCode>;
export type ErrorCode = keyof typeof ErrorStatus;

/** The JSON body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown; request_id?: string };
}

/** An expected failure at the API edge: the message is safe to show the caller. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }

  get status(): ContentfulStatusCode {
    return ErrorStatus[this.code];
  }

  /** The body, with the id of the request it answers when known. */
  toBody(requestId?: string): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    if (requestId !== undefined) error.request_id = requestId;
    return { error };
  }

  toResponse(requestId?: string): Response {
    return Response.json(this.toBody(requestId), { status: this.status, headers: this.headers });
  }
}
