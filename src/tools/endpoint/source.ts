/**
 * @module tools/endpoint/source
 * The tools of the session's agent's MCP endpoint (users' own servers dialled in through a pipe) as a
 * {@link ToolSource}: one listing per connection (`endpoint:<label>`), names from naming.ts, calls with the
 * tool's original name on the connection that offered it. A session bound without an agent lists nothing here.
 *
 * The endpoint object tells each registered session at once when its tools change (a server connected, went
 * away, or re-listed; see {@link EndpointToolSource.pushed}). Each listing also reads the catalog's version: when
 * it differs from the one seen before, {@link EndpointSourceOptions.onToolsChanged} is called, so a change the
 * session was not told of (it could not register) is still noticed on its next listing.
 */
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import type { ExecutionResult } from "../../contract/execution";
import type { SourceListing, ToolDescriptor } from "../../contract/tools";
import { abortReason, raceAbort } from "../../util/abort";
import { executionError, fromCallToolResult } from "../result";
import type { CallOptions, ToolSource } from "../types";
import { endpointToolNames } from "./naming";
import type { EndpointCatalog, EndpointLink, EndpointTool } from "./types";

/** How long a call waits without a caller's `timeout_ms` (the XiaoZhi clients' 30 s). */
const DEFAULT_ENDPOINT_CALL_TIMEOUT_MS = 30_000;

export interface EndpointSourceOptions {
  /** The session's agent, and the way to its endpoint; null while the session is bound without one. */
  agent: () => { agentId: string; link: EndpointLink } | null;
  /** The agent's tools changed since the last listing (`version` is the catalog's new one). */
  onToolsChanged: (version: number) => void;
}

export class EndpointToolSource implements ToolSource {
  readonly kind = "endpoint" as const;
  #seenVersion: number | null = null;

  constructor(private readonly options: EndpointSourceOptions) {}

  async listTools(): Promise<SourceListing[]> {
    const agent = this.options.agent();
    if (!agent) return [];
    let catalog: EndpointCatalog | null;
    try {
      catalog = await agent.link.catalog();
    } catch (error) {
      return [unavailable("endpoint", `agent ${agent.agentId}'s endpoint did not answer: ${String(error)}`)];
    }
    if (catalog === null) {
      return [
        unavailable("endpoint", `agent ${agent.agentId} has no MCP endpoint: POST /api/v1/mcp/agents/${agent.agentId}/endpoint`),
      ];
    }
    this.#noticeVersion(catalog.version);
    if (catalog.connections.length === 0) {
      return [unavailable("endpoint", `no MCP server is connected to agent ${agent.agentId}'s endpoint`)];
    }
    const refs = catalog.connections.flatMap((c) => c.tools.map((tool) => ({ label: c.label, tool: tool.name })));
    const names = endpointToolNames(refs);
    let next = 0;
    return catalog.connections.map((connection) => {
      const tools = connection.tools.map((tool) => descriptor(names[next++]!, connection.label, tool));
      const listing: SourceListing = {
        source: `endpoint:${connection.label}`,
        kind: "endpoint",
        status: connection.error !== null ? "unavailable" : connection.phase === "ready" ? "ok" : "incomplete",
        tools,
      };
      if (connection.error !== null) listing.error = connection.error;
      else if (connection.phase !== "ready") listing.error = `the server is ${connection.phase}`;
      return listing;
    });
  }

  async callTool(tool: ToolDescriptor, args: Record<string, unknown>, options: CallOptions): Promise<ExecutionResult> {
    const agent = this.options.agent();
    if (!agent || tool.server === undefined) return executionError("tool_error", `${tool.name} is not an endpoint tool`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_ENDPOINT_CALL_TIMEOUT_MS;
    const call = () => agent.link.call(tool.server!, tool.original_name, args, timeoutMs);
    let outcome;
    try {
      outcome = options.signal ? await raceAbort(options.signal, call) : await call();
    } catch (error) {
      if (options.signal?.aborted) return executionError("cancelled", abortReason(options.signal));
      return executionError("upstream_unavailable", `agent ${agent.agentId}'s endpoint did not answer: ${String(error)}`);
    }
    switch (outcome.kind) {
      case "result": {
        const parsed = CallToolResultSchema.safeParse(outcome.result);
        if (!parsed.success) return executionError("tool_error", `${tool.original_name} answered with a malformed result`);
        return fromCallToolResult(tool.original_name, parsed.data);
      }
      case "error":
        return executionError("tool_error", outcome.message, outcome.code === null ? undefined : { code: outcome.code });
      case "timeout":
        return executionError("upstream_timeout", `${tool.original_name} did not answer within ${outcome.afterMs} ms`);
      case "unavailable":
        return executionError("upstream_unavailable", outcome.reason);
    }
  }

  /**
   * The agent's object told the session that its tools changed to `version` (null: the endpoint is gone): the
   * listing the session runs next is the one that reports it, so it does not call `onToolsChanged` again.
   */
  pushed(version: number | null): void {
    if (version !== null) this.#seenVersion = version;
  }

  #noticeVersion(version: number): void {
    if (this.#seenVersion !== null && this.#seenVersion !== version) this.options.onToolsChanged(version);
    this.#seenVersion = version;
  }
}

function unavailable(source: string, error: string): SourceListing {
  return { source, kind: "endpoint", status: "unavailable", tools: [], error };
}

function descriptor(name: string, label: string, tool: EndpointTool): ToolDescriptor {
  const schema = tool.inputSchema;
  return {
    name,
    description: tool.description,
    input_schema: { ...schema, properties: schema.properties ?? {}, required: schema.required ?? [] },
    source: "endpoint",
    original_name: tool.name,
    server: label,
  };
}
