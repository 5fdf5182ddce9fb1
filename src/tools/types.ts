/**
 * @module tools/types
 * The behaviour a tool source implements, and what a call runs with. The data it deals in (a listed tool, a
 * listing, an execution result) is the API contract's: see contract/tools and contract/execution.
 */
import type { CallToolResult } from "@modelcontextprotocol/client";
import type { ExecutionResult } from "../contract/execution";
import type { JobProgress } from "../contract/jobs";
import type { SourceListing, ToolDescriptor, ToolSourceKind } from "../contract/tools";

/** The bound session a call runs for. */
export interface SessionContext {
  tenant: string;
  sessionId: string;
  deviceId: string;
  clientId: string;
}

export interface CallOptions {
  session: SessionContext;
  /**
   * Aborted when the session ends (unbound or expired). Nothing ties it to the caller's request: a caller that
   * goes away does not cancel the call, which runs until it ends or reaches its timeout.
   */
  signal?: AbortSignal;
  /** The caller's timeout for this call; without it the source applies its own default. */
  timeoutMs?: number;
  /**
   * Told each progress the tool reports, when the caller follows it (a job). Only then does an external server
   * get a `progressToken` to report against; the device protocol has no progress.
   */
  onProgress?: (progress: JobProgress) => void;
  /**
   * Handed the MCP result a source got (an external server's or the device's `tools/call` answer), unchanged, before
   * it is turned into the ExecutionResult: the MCP endpoint passes it on as it came. Local tools have none.
   */
  onMcpResult?: (result: CallToolResult) => void;
}

/** A place tools come from. The router and the APIs know sources only through this interface. */
export interface ToolSource {
  readonly kind: ToolSourceKind;
  /**
   * True when the source checks a call's arguments itself (the local tools, with their zod schemas). Otherwise
   * they are checked against the tool's `input_schema` before the source is called (see tools/validate-args).
   */
  readonly checksArguments?: boolean;
  /** How each of this source's parts answered; a source that cannot list says so in its listing, never throws. */
  listTools(): Promise<SourceListing[]>;
  /**
   * The tool an unlisted name stands for: a compatibility alias, or a known tool of a source that cannot be
   * listed right now (so calling it says why instead of "not found").
   */
  resolveAlias?(name: string): ToolDescriptor | undefined;
  /** Runs a tool this source listed. Expected failures are results with `success: false`, not exceptions. */
  callTool(tool: ToolDescriptor, args: Record<string, unknown>, options: CallOptions): Promise<ExecutionResult>;
}
