/**
 * @module tools/result
 * The one place ExecutionResults are built, whatever the source.
 */
import type { CallToolResult, ContentBlock } from "@modelcontextprotocol/client";
import type { ExecutionErrorCode, ExecutionResult } from "../contract/execution";
import { type FieldIssue, summarizeIssues } from "../validation";

/** Text the gateway hands back to the LLM for its next turn. */
export function reqLlm(text: string): ExecutionResult {
  return { success: true, action: "req_llm", result: text, response: null };
}

/** A handler the gateway carries out itself (`mcp_handler_*`), with its arguments. */
export function callHandler(funcName: string, args: unknown): ExecutionResult {
  return { success: true, action: "call_handler", result: { func_name: funcName, args }, response: null };
}

/** A failed execution: answered as a 200 result so the gateway can tell the LLM what went wrong. */
export function executionError(code: ExecutionErrorCode, message: string, details?: unknown): ExecutionResult {
  const error: ExecutionResult["error"] = { code, message };
  if (details !== undefined) error.details = details;
  return { success: false, action: "error", result: null, response: null, error };
}

/** Arguments a tool's schema refuses, each issue naming its field (`arguments.volume`): every source answers alike. */
export function invalidArguments(toolName: string, issues: FieldIssue[]): ExecutionResult {
  return executionError("invalid_arguments", `invalid arguments for ${toolName}: ${summarizeIssues(issues)}`, issues);
}

/**
 * An upstream MCP server's answer to `tools/call`.
 * - Text items become one `req_llm` string (joined by newlines): gateways hand `result` to the LLM only when it
 *   is a string.
 * - Images, audio and resources are kept: the whole content list is in `content`, and `result` names each of
 *   them in place (`[image image/png]`), so the LLM knows they exist. Text of an embedded resource is included.
 * - No content but structured content: `result` is that JSON as text.
 * - `isError: true` is a `tool_error` carrying the upstream's text.
 */
export function fromCallToolResult(toolName: string, answer: CallToolResult): ExecutionResult {
  const content = answer.content ?? [];
  const text = content
    .map(describeContent)
    .filter((part) => part !== "")
    .join("\n");
  if (answer.isError) {
    return executionError("tool_error", text || `${toolName} reported an error without a message`, { content });
  }
  const result: ExecutionResult = reqLlm(text || structuredText(answer.structuredContent));
  if (content.some((item) => item.type !== "text")) result.content = content;
  return result;
}

function describeContent(item: ContentBlock): string {
  switch (item.type) {
    case "text":
      return item.text;
    case "image":
    case "audio":
      return `[${item.type} ${item.mimeType}]`;
    case "resource":
      return "text" in item.resource ? item.resource.text : `[resource ${item.resource.uri}]`;
    case "resource_link":
      return `[resource link ${item.uri}]`;
  }
}

/** Structured content as text: any JSON value (a 2026-07-28 server's may be other than an object). */
function structuredText(structured: unknown): string {
  return structured === undefined ? "" : JSON.stringify(structured);
}
