/**
 * @module durable-objects/session-execution
 * One tool call of a bound session, as execute, a batch's call and a job share it: the device check, finding the
 * tool, bringing the arguments to its schema's types and checking them, then calling its source. And a batch:
 * its calls run a bounded number at a time, each failing on its own, in one result list in the calls' order.
 */
import type { BatchCall } from "../src/contract/batch";
import type { ExecutionResult } from "../src/contract/execution";
import { DEFAULT_BATCH_CONCURRENCY } from "../src/contract/limits";
import type { ToolDescriptor } from "../src/contract/tools";
import { coerceArguments } from "../src/tools/coerce";
import { executionError, invalidArguments } from "../src/tools/result";
import type { ToolRouter } from "../src/tools/router";
import type { CallOptions } from "../src/tools/types";
import { argumentIssues } from "../src/tools/validate-args";
import { mapBounded } from "../src/util/concurrency";
import { type ExecuteCommand, failure, notBound, type SessionOutcome } from "./session-api";
import type { BindingRow } from "./session-storage";

/** A call whose tool was found: running it calls the source, or answers `invalid_arguments` without calling it. */
export interface PreparedCall {
  tool: ToolDescriptor;
  run(options: CallOptions): Promise<ExecutionResult>;
}

/** What a call ended with: every call a session runs (or refuses) is told to the session's observer. */
export interface FinishedCall {
  /** The tool name the call asked for. */
  name: string;
  /** The tool that ran; null when the session offers none of that name. */
  tool: ToolDescriptor | null;
  result: ExecutionResult;
  durationMs: number;
  /** Why the tool's input schema cannot be used, when this call found it out (it ran unchecked; see validate-args). */
  unusableSchema?: string;
}

/** Hears of every finished call (the session's log and metrics). */
export type CallObserver = (call: FinishedCall) => void;

/** The message of an unknown tool, the same in execute's 404 and in a batch's result. */
export function toolNotFoundMessage(name: string): string {
  return `no tool named "${name}" in this session`;
}

/**
 * The call `command` asks for, ready to run; `device_mismatch`, `tool_not_found`, or `session_not_found` when the
 * session ended (its `lifetime` aborted) while the tool was being looked up.
 */
export async function prepareCommand(
  router: ToolRouter,
  binding: BindingRow,
  command: ExecuteCommand,
  lifetime: AbortSignal,
  observe: CallObserver,
): Promise<SessionOutcome<PreparedCall>> {
  if (command.device_id !== undefined && command.device_id !== binding.device_id) {
    return failure("device_mismatch", `device_id "${command.device_id}" is not the device bound to this session`);
  }
  const call = await prepareCall(router, command.tool_name, command.arguments, observe);
  if (lifetime.aborted) return notBound();
  if (!call) {
    const message = toolNotFoundMessage(command.tool_name);
    observe({ name: command.tool_name, tool: null, result: executionError("tool_not_found", message), durationMs: 0 });
    return failure("tool_not_found", message);
  }
  return { ok: true, value: call };
}

/** The calls of a batch, at most `concurrency` at once; an unknown tool or refused arguments fail that call only. */
export function runBatch(
  router: ToolRouter,
  calls: readonly BatchCall[],
  concurrency: number | undefined,
  options: CallOptions,
  observe: CallObserver,
): Promise<ExecutionResult[]> {
  return mapBounded(calls, concurrency ?? DEFAULT_BATCH_CONCURRENCY, async (call) => {
    const prepared = await prepareCall(router, call.tool_name, call.arguments, observe);
    if (options.signal?.aborted) return executionError("cancelled", `${call.tool_name}: the session ended`);
    if (!prepared) {
      const result = executionError("tool_not_found", toolNotFoundMessage(call.tool_name));
      observe({ name: call.tool_name, tool: null, result, durationMs: 0 });
      return result;
    }
    return prepared.run({ ...options, timeoutMs: call.timeout_ms });
  });
}

/**
 * The tool `name` with `rawArgs` brought to its schema and checked, its run told to `observe`; null when the
 * session offers no such tool.
 */
async function prepareCall(
  router: ToolRouter,
  name: string,
  rawArgs: Record<string, unknown>,
  observe: CallObserver,
): Promise<PreparedCall | null> {
  const resolved = await router.resolve(name);
  if (!resolved) return null;
  const { tool, source } = resolved;
  const args = coerceArguments(tool.input_schema, rawArgs);
  // Every source but one that checks its own (local tools) gets only arguments its tool's schema accepts.
  const { issues, unusable } = source.checksArguments ? { issues: [], unusable: undefined } : argumentIssues(tool, args);
  const call =
    issues.length > 0
      ? () => Promise.resolve(invalidArguments(tool.name, issues))
      : (options: CallOptions) => source.callTool(tool, args, options);
  return {
    tool,
    run: async (options) => {
      const started = Date.now();
      const result = await call(options);
      observe({ name, tool, result, durationMs: Date.now() - started, unusableSchema: unusable });
      return result;
    },
  };
}
