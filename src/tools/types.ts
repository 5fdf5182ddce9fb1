/**
 * @module tools/types
 * The tool model shared by every source (local, external MCP servers, the device):
 * what a listed tool looks like, what executing one returns, and the interface a source implements.
 */

/** Where a tool lives. */
export const ToolSourceKind = { local: "local", external: "external", device: "device" } as const;
export type ToolSourceKind = (typeof ToolSourceKind)[keyof typeof ToolSourceKind];

/** What the gateway does with a result (the seed's ActionType). */
export const ToolAction = {
  none: "none",
  response: "response",
  call_handler: "call_handler",
  req_llm: "req_llm",
  error: "error",
} as const;
export type ToolAction = (typeof ToolAction)[keyof typeof ToolAction];

/** A JSON Schema object describing a tool's arguments, as given to the LLM. */
export type JsonSchemaObject = { type: "object"; properties?: Record<string, unknown>; required?: string[] } & Record<
  string,
  unknown
>;

/** A tool as listed to the gateway. `name` is unique across all sources of a session. */
export interface ToolDescriptor {
  name: string;
  description: string;
  input_schema: JsonSchemaObject;
  source: ToolSourceKind;
  /** The name the tool has at its source (the device's `self.audio_speaker.set_volume`, an upstream's `echo`). */
  original_name: string;
  /** The configured server the tool comes from (external tools only). */
  server?: string;
}

/** Why an execution failed: what a gateway can branch on. */
export type ExecutionErrorCode =
  | "invalid_arguments"
  | "tool_error"
  | "upstream_timeout"
  | "upstream_unavailable"
  | "device_timeout"
  | "device_unavailable"
  | "cancelled";

/** The handler call a `call_handler` result asks the gateway to make (xiaozhi-server-go's ActionResponseCall). */
export interface HandlerCall {
  func_name: string;
  args: unknown;
}

/** The seed's ExecutionResult: every execution, successful or not, is answered with one. */
export interface ExecutionResult {
  success: boolean;
  action: ToolAction;
  /** `req_llm`: the text for the LLM; `call_handler`: a {@link HandlerCall}; otherwise content or null. */
  result: unknown;
  /** `response`: the text to speak to the user directly; otherwise null. */
  response: string | null;
  /** An external tool's full MCP content when it held more than text (images, audio, resources), so none is lost. */
  content?: unknown[];
  error?: { code: ExecutionErrorCode; message: string; details?: unknown };
}

/** The bound session a call runs for. */
export interface SessionContext {
  tenant: string;
  sessionId: string;
  deviceId: string;
  clientId: string;
}

/** Bounds of any per-call timeout: 300 s is the longest the device firmware waits for a tool. */
export const MIN_CALL_TIMEOUT_MS = 100;
export const MAX_CALL_TIMEOUT_MS = 300_000;

export interface CallOptions {
  session: SessionContext;
  /**
   * Aborted when the session ends (unbound or expired). Nothing ties it to the caller's request: a caller that
   * goes away does not cancel the call, which runs until it ends or reaches its timeout.
   */
  signal?: AbortSignal;
  /** The caller's timeout for this call; without it the source applies its own default. */
  timeoutMs?: number;
}

/** How a source answered a listing. A source that cannot list says so; it never throws. */
export interface SourceListing {
  /** `local`, `device`, or the external server's configured name. */
  source: string;
  kind: ToolSourceKind;
  /** `unsupported`: configured, but not usable here (a stdio server); `error` says what to do instead. */
  status: "ok" | "unavailable" | "incomplete" | "unsupported";
  tools: ToolDescriptor[];
  error?: string;
}

/** A place tools come from. The router and the APIs know sources only through this interface. */
export interface ToolSource {
  readonly kind: ToolSourceKind;
  listTools(): Promise<SourceListing[]>;
  /**
   * The tool an unlisted name stands for: a compatibility alias, or a known tool of a source that cannot be
   * listed right now (so calling it says why instead of "not found").
   */
  resolveAlias?(name: string): ToolDescriptor | undefined;
  /** Runs a tool this source listed. Expected failures are results with `success: false`, not exceptions. */
  callTool(tool: ToolDescriptor, args: Record<string, unknown>, options: CallOptions): Promise<ExecutionResult>;
}
