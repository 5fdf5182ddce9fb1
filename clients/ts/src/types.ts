/**
 * The REST API's bodies as the client sends and reads them (docs/openapi.json). Declared here so the client has
 * no dependency on the service's code; `contract-check.ts` proves at compile time that each one is the same type
 * as the service's own schema (z.infer of src/api/rest/schemas.ts), so the two cannot drift apart.
 */

/** What the gateway does with a result (the seed's ActionType). */
export type ToolAction = "none" | "response" | "call_handler" | "req_llm" | "error";

/** Why an execution failed. */
export type ExecutionErrorCode =
  | "invalid_arguments"
  | "tool_not_found"
  | "tool_error"
  | "upstream_timeout"
  | "upstream_unavailable"
  | "upstream_unsupported_result"
  | "device_timeout"
  | "device_unavailable"
  | "cancelled";

export interface ExecutionError {
  code: ExecutionErrorCode;
  message: string;
  details?: unknown;
}

/** The seed's ExecutionResult: every execution is answered with one, successful or not (HTTP 200). */
export interface ExecutionResult {
  success: boolean;
  action: ToolAction;
  /** req_llm: text for the LLM; call_handler: `{func_name, args}`; null otherwise. */
  result: unknown;
  /** response: text to speak to the user directly. */
  response: string | null;
  /** External tools: the full MCP content when it held more than text. */
  content?: unknown[];
  error?: ExecutionError;
}

/** `result` of a `call_handler` result. */
export interface HandlerCall {
  func_name: string;
  args: unknown;
}

export type ToolSourceKind = "local" | "external" | "device" | "endpoint";
export type SourceStatus = "ok" | "unavailable" | "incomplete" | "unsupported";

export interface JsonSchemaObject {
  type: "object";
  properties?: Record<string, unknown>;
  required?: string[];
  [key: string]: unknown;
}

/** A tool as listed to the gateway; `name` is unique across the session's sources. */
export interface Tool {
  name: string;
  description: string;
  input_schema: JsonSchemaObject;
  source: ToolSourceKind;
  /** The name at its source (the device's `self.audio_speaker.set_volume`, an upstream's `echo`). */
  original_name: string;
  /** External tools: the configured server. */
  server?: string;
}

export interface SourceReport {
  source: string;
  kind: ToolSourceKind;
  status: SourceStatus;
  tool_count: number;
  error?: string;
}

export interface ToolsResponse {
  tools: Tool[];
  sources: SourceReport[];
}

export interface BindRequest {
  device_id: string;
  client_id: string;
  vision_url?: string;
  /** The gateway's server secret, which the device's vision JWT is signed with; never returned. */
  token?: string;
  /** The agent whose MCP endpoint's tools the session offers too. */
  agent_id?: string;
}

export interface DeviceView {
  relay: "open" | "closed";
  relay_opened_at: string | null;
  tools_status: "ok" | "incomplete" | "unavailable";
  last_notification: { method: string; params: Record<string, unknown> | null; received_at: string } | null;
}

export interface SessionView {
  session_id: string;
  device_id: string;
  client_id: string;
  vision_url: string | null;
  has_token: boolean;
  bound_at: string;
  last_used_at: string;
  expires_at: string;
  /** The agent whose endpoint tools the session offers, when bound with one. */
  agent_id?: string;
  /** In GET, not in bind's answer. */
  tools?: { count: number; sources: SourceReport[] };
  device: DeviceView;
}

export interface BindResponse {
  success: true;
  created: boolean;
  message: string;
  session: SessionView;
}

export interface UnbindResponse {
  success: true;
  message: string;
}

export interface ExecuteRequest {
  session_id: string;
  arguments?: Record<string, unknown>;
  device_id?: string;
  /** 100 – 300000; the source's default (30 s) when absent. */
  timeout_ms?: number;
  /** `async` runs the call as a job (the service answers 202); this client executes synchronously only. */
  mode?: "sync" | "async";
}

/** What became of a device frame delivered over HTTP (the seed's HandleMessageResponse). */
export interface MessageResponse {
  success: boolean;
  result: string;
}

/** The body of every API error. */
export interface ErrorResponse {
  error: { code: string; message: string; details?: unknown };
}
