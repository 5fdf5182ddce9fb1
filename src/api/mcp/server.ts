/**
 * @module api/mcp/server
 * A session's tools as an MCP server (the v2 SDK's low-level `Server`, one per request, for either protocol era):
 * `tools/list` is the session's whole list as REST lists it, with everything each tool's source declared, and
 * `tools/call` goes the way REST's execute goes (the same argument checks, timeouts and sources). A call whose
 * request carries a `progressToken` gets the tool's progress (an external server's) as `notifications/progress`.
 *
 * ## Results
 * - External and device tools: their MCP result as their server or the device answered it (content of every
 *   type, `structuredContent`, `isError`), unchanged.
 * - Local tools, and every failure before a source answered (invalid arguments, timeouts, an unreachable
 *   upstream): one text item (the LLM's text, the handler's JSON, or the error's message) and the
 *   ExecutionResult as `structuredContent`, so the client still sees the action; `isError` when it failed.
 */
import { type CallToolResult, ProtocolError, ProtocolErrorCode, Server, type Tool } from "@modelcontextprotocol/server";
import type { ExecutionResult } from "../../contract/execution";
import type { JobProgress } from "../../contract/jobs";
import type { ToolDescriptor, ToolList } from "../../contract/tools";
import { ApiError } from "../../errors";
import { withoutUndefined } from "../../util/object";

/**
 * What the server needs of a session: its tool list, and calls with the MCP result kept. `onProgress`, when the
 * client asked for progress, hears each progress the tool reports.
 */
export interface SessionTools {
  list(): Promise<ToolList>;
  call(
    name: string,
    args: Record<string, unknown>,
    onProgress?: (progress: JobProgress) => void,
  ): Promise<{ execution: ExecutionResult; mcp?: CallToolResult }>;
}

export interface McpServerOptions {
  name: string;
  version: string;
  /** How long a client may keep a tool list (2026-07-28 `ttlMs`): the service's own tool-cache TTL. */
  listTtlMs: number;
}

/** An MCP server over `tools`, for one request. */
export function sessionMcpServer(tools: SessionTools, options: McpServerOptions): Server {
  const server = new Server(
    { name: options.name, version: options.version },
    {
      capabilities: { tools: { listChanged: true } },
      // Each session's list is its own (its device, its filter): private to the client that asked.
      cacheHints: { "tools/list": { ttlMs: options.listTtlMs, cacheScope: "private" } },
    },
  );
  server.setRequestHandler("tools/list", async () => {
    const list = await protocolErrors(() => tools.list());
    return { tools: list.tools.map(mcpTool) };
  });
  server.setRequestHandler("tools/call", async (request, ctx) => {
    const { name, arguments: args = {} } = request.params;
    // The client's progressToken: each progress the tool reports goes to it as `notifications/progress`.
    const progressToken = ctx.mcpReq._meta?.progressToken;
    const onProgress =
      progressToken === undefined
        ? undefined
        : (progress: JobProgress) => {
            const params = { progressToken, ...progress };
            ctx.mcpReq.notify({ method: "notifications/progress", params }).catch(() => {
              // The client went away: the call goes on, its progress has no one to go to.
            });
          };
    const { execution, mcp } = await protocolErrors(() => tools.call(name, args, onProgress));
    return mcp ?? fromExecution(execution);
  });
  return server;
}

/** A listed tool as MCP declares tools: what its source declared, under the session's name for it. */
export function mcpTool(tool: ToolDescriptor): Tool {
  return {
    name: tool.name,
    description: tool.description,
    // JSON as the source gave it (the contract types it loosely).
    inputSchema: tool.input_schema as Tool["inputSchema"],
    ...withoutUndefined({
      title: tool.title,
      annotations: tool.annotations,
      outputSchema: tool.output_schema,
      icons: tool.icons as Tool["icons"],
      _meta: tool.meta,
    }),
  };
}

/** An ExecutionResult as an MCP result: its text, and the whole result as structured content. */
export function fromExecution(execution: ExecutionResult): CallToolResult {
  return {
    content: [{ type: "text", text: executionText(execution) }],
    structuredContent: execution,
    isError: !execution.success,
  };
}

function executionText(execution: ExecutionResult): string {
  if (execution.error) return execution.error.message;
  if (execution.action === "response" && execution.response !== null) return execution.response;
  return typeof execution.result === "string" ? execution.result : JSON.stringify(execution.result ?? null);
}

/** The session's expected failures as JSON-RPC errors: an unknown tool is invalid params, as the spec says. */
async function protocolErrors<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const code = error.code === "tool_not_found" ? ProtocolErrorCode.InvalidParams : ProtocolErrorCode.InvalidRequest;
    throw new ProtocolError(code, error.message);
  }
}
