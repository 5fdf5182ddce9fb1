/**
 * @module durable-objects/session-api
 * The RPC contract between the Worker and a session's Durable Object. Expected failures come back as
 * `{ ok: false, error }` (exceptions lose their type across RPC); the Worker maps them to API errors.
 */
import type { ErrorCode } from "../src/errors";
import type { SourceReport } from "../src/tools/router";
import type { ExecutionResult, ToolDescriptor } from "../src/tools/types";

export interface BindCommand {
  tenant: string;
  sessionId: string;
  device_id: string;
  client_id: string;
  vision_url?: string;
  token?: string;
}

export interface ExecuteCommand {
  tool_name: string;
  arguments: Record<string, unknown>;
  device_id?: string;
  /** The caller's timeout; each source applies its own default without one. */
  timeout_ms?: number;
}

/** A session as the API shows it (never with its token). */
export interface SessionView {
  session_id: string;
  device_id: string;
  client_id: string;
  vision_url: string | null;
  has_token: boolean;
  bound_at: string;
  last_used_at: string;
  expires_at: string;
  /** Every source's tools, as a listing finds them: in `GET` the session, not in bind's answer (which does not wait on them). */
  tools?: { count: number; sources: SourceReport[] };
  device: DeviceView;
}

/** The device relay as the session sees it. */
export interface DeviceView {
  relay: "open" | "closed";
  relay_opened_at: string | null;
  /** How the device's tools can be listed now (the `device` source's status). */
  tools_status: "ok" | "incomplete" | "unavailable";
  /** The latest notification the device sent (never answered). */
  last_notification: { method: string; params: object | null; received_at: string } | null;
}

export interface ToolList {
  tools: ToolDescriptor[];
  sources: SourceReport[];
}

export type SessionErrorCode = Extract<ErrorCode, "session_not_found" | "tool_not_found" | "device_mismatch" | "invalid_request">;

export type SessionOutcome<T> = { ok: true; value: T } | { ok: false; error: { code: SessionErrorCode; message: string } };

export interface BindOutcome {
  created: boolean;
  session: SessionView;
}

export type { ExecutionResult };
