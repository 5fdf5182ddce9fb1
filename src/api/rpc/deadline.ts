/**
 * @module api/rpc/deadline
 * The client's deadline (`connect-timeout-ms` / `grpc-timeout`) bounds every call into a session: once it has
 * passed, the call answers `deadline_exceeded` at once, and a tool call is given the time left as its timeout.
 */
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { MAX_CALL_TIMEOUT_MS } from "../../contract/limits";
import { raceAbort } from "../../util/abort";

const DEADLINE_MESSAGE = "deadline exceeded: the call's deadline passed before the session answered";

/** The time left for a tool call: the deadline's remainder, at most the longest tool timeout; undefined without one. */
export function toolTimeoutMs(ctx: HandlerContext): number | undefined {
  const remaining = ctx.timeoutMs();
  if (remaining === undefined) return undefined;
  if (remaining <= 0) throw new ConnectError(DEADLINE_MESSAGE, Code.DeadlineExceeded);
  return Math.min(remaining, MAX_CALL_TIMEOUT_MS);
}

/** Starts `work` (a call into the session) and answers with its value, unless the call's deadline passes (or the
 * client goes away) first; then `work` is not started or its late answer is dropped. */
export function withinDeadline<T>(ctx: HandlerContext, work: () => Promise<T>): Promise<T> {
  return raceAbort(ctx.signal, work, deadlineError);
}

function deadlineError(signal: AbortSignal): ConnectError {
  const reason = ConnectError.from(signal.reason);
  return reason.code === Code.DeadlineExceeded ? new ConnectError(DEADLINE_MESSAGE, Code.DeadlineExceeded) : reason;
}
