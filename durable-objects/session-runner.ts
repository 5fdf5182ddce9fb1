/**
 * @module durable-objects/session-runner
 * A bound session's tool calls as its RPCs ask for them: one execute (REST, Connect and the MCP endpoint, which
 * also asks for the source's MCP result and the tool's progress), a batch, and a job. Each call, whichever way it
 * came, is told to the session's log (a failure, with the request's id) and metrics (see session-execution's
 * observer); a call that runs counts as use of the session.
 */
import type { BatchResults } from "../src/contract/batch";
import type { JobView } from "../src/contract/jobs";
import type { ToolRouter } from "../src/tools/router";
import type { CallOptions } from "../src/tools/types";
import type { BatchCommand, ExecuteCommand, ExecuteOutcome, RequestTag, SessionOutcome } from "./session-api";
import { type CallObserver, prepareCommand, runBatch } from "./session-execution";
import type { SessionJobs } from "./session-jobs";
import type { SessionLog } from "./session-log";
import type { SessionMetrics } from "./session-metrics";
import { sessionContext } from "./session-sources";
import type { BindingRow } from "./session-storage";

/** What the session lends its runner. */
export interface RunnerHost {
  /** The session's tool router (its sources are built on first use). */
  router(binding: BindingRow): ToolRouter;
  /** Records a call that runs as use of the session. */
  recordUse(binding: BindingRow): Promise<void>;
  /** Sets the alarm at its earliest reason (a new job is one). */
  armAlarm(binding: BindingRow): Promise<void>;
  jobs: SessionJobs;
  log: SessionLog;
  metrics: SessionMetrics;
}

/** What a caller may ask of a call besides its result: the source's MCP result as it came, the tool's progress. */
export type CallHooks = Pick<CallOptions, "onMcpResult" | "onProgress">;

export class SessionRunner {
  constructor(private readonly host: RunnerHost) {}

  /** Runs one tool; `lifetime` aborts it when the session ends. */
  async execute(
    binding: BindingRow,
    command: ExecuteCommand,
    lifetime: AbortSignal,
    hooks: CallHooks = {},
  ): Promise<ExecuteOutcome> {
    const call = await prepareCommand(this.host.router(binding), binding, command, lifetime, this.#observer(binding, command));
    if (!call.ok) return call;
    await this.host.recordUse(binding);
    const options = { session: sessionContext(binding), signal: lifetime, timeoutMs: command.timeout_ms, ...hooks };
    const result = await call.value.run(options);
    return { ok: true, value: result, source: call.value.tool.source };
  }

  /** Several calls in one request, a bounded number at once; each call's failure is its own result. */
  async batch(binding: BindingRow, command: BatchCommand, lifetime: AbortSignal): Promise<SessionOutcome<BatchResults>> {
    const options = { session: sessionContext(binding), signal: lifetime };
    const observe = this.#observer(binding, command);
    const results = await runBatch(this.host.router(binding), command.calls, command.max_concurrency, options, observe);
    return { ok: true, value: { results } };
  }

  /** Starts `command` as a job and answers it at once (see session-jobs). */
  async startJob(binding: BindingRow, command: ExecuteCommand, lifetime: AbortSignal): Promise<SessionOutcome<JobView>> {
    const call = await prepareCommand(this.host.router(binding), binding, command, lifetime, this.#observer(binding, command));
    if (!call.ok) return call;
    await this.host.recordUse(binding);
    const options = { session: sessionContext(binding), signal: lifetime, timeoutMs: command.timeout_ms };
    const job = this.host.jobs.start(binding.session_id, call.value, options);
    if (job.ok) await this.host.armAlarm(binding);
    return job;
  }

  /** What hears of each call a request runs: the session's log (failures, with the request's id) and metrics. */
  #observer(binding: BindingRow, { request_id }: RequestTag): CallObserver {
    return (call) => {
      this.host.log.execution(binding, request_id, call);
      this.host.metrics.executed(binding, call);
    };
  }
}
