/**
 * @module api/rpc/connect-errors
 * The one error model over RPC: an {@link ApiError} becomes the Connect code that matches its REST status, with
 * the same message, and an `mcp.ErrorDetail` carrying the REST `code` and `details`. Anything unexpected is
 * logged (`unhandled_error`, on the request's logger) and answered as `internal`, like REST's 500.
 */
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { ApiError, type ErrorCode } from "../../errors";
import { ErrorDetailSchema } from "../../gen/mcp/service_pb";
import { errorText, type Logger } from "../../observability/log";
import { jsonValue } from "./json";

/** Every API error code's Connect code. A new error code does not compile until it is added here. */
export function connectCode(code: ErrorCode): Code {
  switch (code) {
    case "invalid_json":
    case "invalid_request":
    case "unsupported_media_type":
      return Code.InvalidArgument;
    case "unauthorized":
      return Code.Unauthenticated;
    case "origin_not_allowed":
      return Code.PermissionDenied;
    case "not_found":
    case "session_not_found":
    case "tool_not_found":
    case "job_not_found":
    case "endpoint_not_found":
      return Code.NotFound;
    case "method_not_allowed":
      return Code.Unimplemented;
    case "device_mismatch":
      return Code.FailedPrecondition;
    case "payload_too_large":
    case "rate_limited":
    case "session_limit_reached":
    case "job_limit_reached":
    case "endpoint_limit_reached":
      return Code.ResourceExhausted;
    case "upgrade_required":
      return Code.FailedPrecondition;
    case "internal":
      return Code.Internal;
    case "not_configured":
    case "config_invalid":
      return Code.Unavailable;
  }
}

/** Whatever an RPC or the middleware before it threw, as the ConnectError the client gets; `logger` is the request's. */
export function toConnectError(err: unknown, logger: Logger): ConnectError {
  if (err instanceof ConnectError) return err;
  if (err instanceof ApiError) {
    const detail = {
      code: err.code,
      details: err.details === undefined ? undefined : fromJson(ValueSchema, jsonValue(err.details)),
    };
    // The error's headers (`WWW-Authenticate` on a 401) go out as the call's metadata.
    return new ConnectError(err.message, connectCode(err.code), err.headers, [{ desc: ErrorDetailSchema, value: detail }]);
  }
  logger.error("unhandled_error", { error: errorText(err) });
  return new ConnectError("internal error", Code.Internal, undefined, undefined, err);
}
