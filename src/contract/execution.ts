/**
 * @module contract/execution
 * Executing a tool: the request's fields, and the result every execution is answered with (the seed's
 * ExecutionResult), successful or not.
 */
import { z } from "@hono/zod-openapi";
import { CallTimeoutMs } from "./limits";
import { SessionId } from "./session";

/** What the gateway does with a result (the seed's ActionType). */
export const ToolAction = z.enum(["none", "response", "call_handler", "req_llm", "error"]);
export type ToolAction = z.infer<typeof ToolAction>;

/** A tool's name as a request gives it. */
export const ToolName = z.string().min(1).max(128);

/**
 * Why an execution failed: what a gateway can branch on. `tool_not_found` only comes in a batch's results (a
 * single execute answers an unknown tool with the 404 of the same code and message).
 */
export const ExecutionErrorCode = z.enum([
  "invalid_arguments",
  "tool_not_found",
  "tool_error",
  "upstream_timeout",
  "upstream_unavailable",
  "upstream_unsupported_result",
  "device_timeout",
  "device_unavailable",
  "cancelled",
]);
export type ExecutionErrorCode = z.infer<typeof ExecutionErrorCode>;

export const ExecutionError = z.object({ code: ExecutionErrorCode, message: z.string(), details: z.unknown().optional() });
export type ExecutionError = z.infer<typeof ExecutionError>;

export const ExecutionResult = z.object({
  success: z.boolean(),
  action: ToolAction,
  result: z.unknown().openapi({ description: "req_llm: text for the LLM; call_handler: {func_name, args}" }),
  response: z.string().nullable().openapi({ description: "response: text to speak to the user directly" }),
  content: z
    .array(z.unknown())
    .optional()
    .openapi({ description: "External tools: the full MCP content when it held more than text (images, audio, resources)" }),
  error: ExecutionError.optional(),
});
export type ExecutionResult = z.infer<typeof ExecutionResult>;

/** `sync` (the default) answers with the result; `async` answers at once with a job (see contract/jobs). */
export const ExecuteMode = z.enum(["sync", "async"]);

/** What an execute request carries besides the tool's name. */
export const ExecuteRequest = z
  .object({
    session_id: SessionId,
    arguments: z.record(z.string(), z.unknown()).default({}),
    device_id: z.string().min(1).max(128).optional(),
    timeout_ms: CallTimeoutMs.optional().openapi({
      description: "How long to wait for the tool; the source's default (30 s) when absent",
    }),
    mode: ExecuteMode.optional().openapi({
      description: "`async`: run as a job and answer 202 with its id at once (as `Prefer: respond-async` does)",
    }),
  })
  .strict();
export type ExecuteRequest = z.output<typeof ExecuteRequest>;
