/**
 * @module contract/batch
 * Executing several tools of a session in one request: the calls, how many run at once, and the results, one
 * ExecutionResult per call in the calls' order.
 */
import { z } from "@hono/zod-openapi";
import { ExecutionResult, ToolName } from "./execution";
import { CallTimeoutMs, DEFAULT_BATCH_CONCURRENCY, MAX_BATCH_CALLS, MAX_BATCH_CONCURRENCY } from "./limits";
import { SessionId } from "./session";

/** One call of a batch: an execute request's tool, arguments and timeout. */
export const BatchCall = z
  .object({
    tool_name: ToolName,
    arguments: z.record(z.string(), z.unknown()).default({}),
    timeout_ms: CallTimeoutMs.optional().openapi({
      description: "How long to wait for this call; the source's default (30 s) when absent",
    }),
  })
  .strict()
  .openapi("BatchCall");
export type BatchCall = z.output<typeof BatchCall>;

export const BatchRequest = z
  .object({
    session_id: SessionId,
    calls: z
      .array(BatchCall)
      .min(1, "a batch holds at least one call")
      .max(MAX_BATCH_CALLS, `a batch holds at most ${MAX_BATCH_CALLS} calls (MAX_BATCH_CALLS)`),
    max_concurrency: z
      .number()
      .int()
      .min(1)
      .max(MAX_BATCH_CONCURRENCY)
      .optional()
      .openapi({ description: `How many calls run at once; ${DEFAULT_BATCH_CONCURRENCY} when absent` }),
  })
  .strict();
export type BatchRequest = z.output<typeof BatchRequest>;

/** One result per call, in the order of the calls; each call succeeds or fails on its own. */
export const BatchResults = z.object({ results: z.array(ExecutionResult) });
export type BatchResults = z.infer<typeof BatchResults>;
