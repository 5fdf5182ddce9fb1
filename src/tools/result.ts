/**
 * @module tools/result
 * The one place ExecutionResults are built, whatever the source.
 */
import type { ExecutionErrorCode, ExecutionResult } from "./types";

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
