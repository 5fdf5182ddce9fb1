/**
 * @module durable-objects/session-api
 * The RPC contract between the Worker and a session's Durable Object: the commands it takes and how it answers.
 * The values it answers with are the API contract's (src/contract). Expected failures come back as
 * `{ ok: false, error }` (exceptions lose their type across RPC); the Worker maps them to API errors.
 */
import type { CallToolResult } from "@modelcontextprotocol/client";
import type { BatchRequest } from "../src/contract/batch";
import type { ExecuteRequest, ExecutionResult } from "../src/contract/execution";
import type { JobProgress } from "../src/contract/jobs";
import type { BindRequest, SessionView } from "../src/contract/session";
import type { ErrorCode } from "../src/errors";

/** The id of the Worker's request a command serves (its `X-Request-Id`): the session's log lines for it carry it. */
export interface RequestTag {
  request_id?: string;
}

export type BindCommand = BindRequest & { tenant: string; sessionId: string } & RequestTag;

/** An execute request for one tool; `timeout_ms` absent: each source applies its own default. */
export type ExecuteCommand = Omit<ExecuteRequest, "session_id" | "mode"> & { tool_name: string } & RequestTag;

/** A batch of calls: each call's `timeout_ms` absent means its source's default. */
export type BatchCommand = Omit<BatchRequest, "session_id"> & RequestTag;

export type SessionErrorCode = Extract<
  ErrorCode,
  | "session_not_found"
  | "tool_not_found"
  | "device_mismatch"
  | "invalid_request"
  | "session_limit_reached"
  | "payload_too_large"
  | "job_not_found"
  | "job_limit_reached"
>;

/** `details` are plain JSON data, shown to the caller as the API error's details. */
export type SessionFailure = { ok: false; error: { code: SessionErrorCode; message: string; details?: Record<string, number> } };

export type SessionOutcome<T> = { ok: true; value: T } | SessionFailure;

/** How an execution ended, with the source of the tool that ran (for the request's log line). */
export type ExecuteOutcome = { ok: true; value: ExecutionResult; source?: string } | SessionFailure;

/** An execution as the MCP endpoint needs it: the ExecutionResult, and the source's MCP result unchanged if it had one. */
export interface McpExecution {
  execution: ExecutionResult;
  mcp?: CallToolResult;
}

/** A caller's progress callback: called over RPC when the caller is the Worker, so it answers a promise. */
export type ProgressCallback = (progress: JobProgress) => void | Promise<void>;

/** `callback` as a source's `onProgress`: fire and forget, a caller gone away fails nothing. */
export function forwardProgress(callback: ProgressCallback): (progress: JobProgress) => void {
  return (progress) => {
    Promise.resolve(callback(progress)).catch(() => {
      // The caller is gone: the call goes on without it.
    });
  };
}

export interface BindOutcome {
  created: boolean;
  session: SessionView;
}

/** An expected failure, as the session answers it. */
export function failure(code: SessionErrorCode, message: string, details?: Record<string, number>): SessionFailure {
  return { ok: false, error: details === undefined ? { code, message } : { code, message, details } };
}

/**
 * The one `fetch` path of the session that is not the device relay: a WebSocket upgrade that makes the caller
 * (the Worker serving `GET .../events`) a listener of the session's events, resuming after the id in `?after=`.
 */
export const LISTEN_PATH = "/events";

export const NOT_BOUND_MESSAGE = "session not found: bind it first (POST /api/v1/mcp/sessions/{sessionId}/bind)";

/** What every call but `bind` answers while the session is not bound. */
export function notBound(): SessionFailure {
  return failure("session_not_found", NOT_BOUND_MESSAGE);
}
