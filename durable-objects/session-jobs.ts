/**
 * @module durable-objects/session-jobs
 * A session's jobs: executes that answered at once and run on in the object. Each is a `session_job` row
 * (job-storage.ts) from the start, so its state outlives the object; the call itself lives in this instance.
 *
 * ## Lifecycle
 * `pending` (row written) → `running` (the source is called, with an abort signal of its own and a progress
 * callback) → `succeeded` (a successful result) | `failed` (a failed one) | `cancelled` (DELETE, or the session
 * ended). Cancelling aborts the call, which the external source passes on upstream as `notifications/cancelled`.
 * An object that was evicted while a job ran has lost the call with its connection: whoever looks next (a read,
 * a new job, the alarm at the job's deadline) finds an unfinished row this instance does not run, and ends it
 * `failed` with that reason. Finished jobs are kept {@link FINISHED_JOB_RETENTION_MS}, then the alarm deletes them.
 *
 * Every change of a job goes to the one `onChange` callback the session gives (its event hook).
 */
import type { ExecutionResult } from "../src/contract/execution";
import { type JobStatus, type JobView, FINISHED_JOB_STATUSES } from "../src/contract/jobs";
import { FINISHED_JOB_RETENTION_MS, MAX_CALL_TIMEOUT_MS, MAX_RUNNING_JOBS_PER_SESSION } from "../src/contract/limits";
import type { Logger } from "../src/observability/log";
import { executionError } from "../src/tools/result";
import type { CallOptions } from "../src/tools/types";
import type { JobRow, SqlJobStore } from "./job-storage";
import { failure, type SessionOutcome } from "./session-api";
import type { PreparedCall } from "./session-execution";

/** Past a job's timeout, how long its call may take to come back before the alarm checks on it. */
const DEADLINE_GRACE_MS = 5_000;

const LOST_MESSAGE =
  "the job's call was lost: the session's object restarted while it ran, and its connection to the tool with it; execute it again";

export class SessionJobs {
  /** The calls this instance runs, by job id: an unfinished row missing here was lost with an earlier instance. */
  readonly #running = new Map<string, AbortController>();

  constructor(
    private readonly store: SqlJobStore,
    private readonly onChange: (job: JobView) => void,
    private readonly keepAlive: (work: Promise<unknown>) => void,
    /** A call that threw and a result too large to keep are written on it. */
    private readonly logger: Logger,
  ) {}

  /** Starts `call` as a job of `sessionId`: its row at once, the call in the background; refused at the cap. */
  start(sessionId: string, call: PreparedCall, options: CallOptions & { signal: AbortSignal }): SessionOutcome<JobView> {
    this.#endLost(sessionId);
    const unfinished = this.store.unfinished().length;
    if (unfinished >= MAX_RUNNING_JOBS_PER_SESSION) {
      return failure(
        "job_limit_reached",
        `this session already runs ${unfinished} jobs, the most it may: wait for one to finish or cancel one (DELETE its url)`,
        { limit: MAX_RUNNING_JOBS_PER_SESSION, running: unfinished },
      );
    }
    const now = Date.now();
    const row: JobRow = {
      job_id: crypto.randomUUID(),
      tool_name: call.tool.name,
      source: call.tool.source,
      status: "pending",
      progress: null,
      result: null,
      created_at: now,
      started_at: null,
      finished_at: null,
      deadline_at: now + (options.timeoutMs ?? MAX_CALL_TIMEOUT_MS) + DEADLINE_GRACE_MS,
    };
    this.store.insert(row);
    const controller = new AbortController();
    this.#running.set(row.job_id, controller);
    const signal = AbortSignal.any([options.signal, controller.signal]);
    this.keepAlive(this.#run(sessionId, row.job_id, call, { ...options, signal }));
    // The call has started by now (pending lasts until the source is called): the answer says so.
    return this.get(sessionId, row.job_id);
  }

  /** The job `jobId` as it stands now; `job_not_found` when there is none. */
  get(sessionId: string, jobId: string): SessionOutcome<JobView> {
    this.#endLost(sessionId);
    const row = this.store.get(jobId);
    return row ? { ok: true, value: jobView(sessionId, row) } : notFound(jobId);
  }

  /** Cancels the job `jobId` when it has not finished (a finished one is answered as it is). */
  cancel(sessionId: string, jobId: string): SessionOutcome<JobView> {
    this.#endLost(sessionId);
    const row = this.store.get(jobId);
    if (!row) return notFound(jobId);
    if (isFinished(row.status)) return { ok: true, value: jobView(sessionId, row) };
    const message = `${row.tool_name}: the job was cancelled (DELETE)`;
    this.#finish(sessionId, jobId, "cancelled", executionError("cancelled", message));
    this.#running.get(jobId)?.abort(new Error("the job was cancelled"));
    return this.get(sessionId, jobId);
  }

  /** The alarm: ends lost jobs, and deletes the finished ones past their retention. */
  sweep(sessionId: string): void {
    this.#endLost(sessionId);
    this.store.deleteFinishedBefore(Date.now() - FINISHED_JOB_RETENTION_MS);
  }

  /** When the alarm next has work for the jobs; null when none. */
  nextDueAt(): number | null {
    return this.store.nextDueAt(FINISHED_JOB_RETENTION_MS, Date.now());
  }

  async #run(sessionId: string, jobId: string, call: PreparedCall, options: CallOptions): Promise<void> {
    this.store.started(jobId, Date.now());
    this.#changed(sessionId, jobId);
    let result: ExecutionResult;
    try {
      result = await call.run({
        ...options,
        onProgress: (progress) => {
          this.store.progressed(jobId, progress);
          this.#changed(sessionId, jobId);
        },
      });
    } catch (error) {
      this.logger.error("job_failed_unexpectedly", { session: sessionId, job: jobId, error: String(error) });
      result = executionError("tool_error", `${call.tool.name}: the call failed unexpectedly`);
    } finally {
      this.#running.delete(jobId);
    }
    const status: JobStatus = result.success ? "succeeded" : result.error?.code === "cancelled" ? "cancelled" : "failed";
    this.#finish(sessionId, jobId, status, result);
  }

  /** Ends every unfinished job this instance does not run: its call went with an earlier instance. */
  #endLost(sessionId: string): void {
    for (const row of this.store.unfinished()) {
      if (this.#running.has(row.job_id)) continue;
      const code = row.source === "device" ? "device_unavailable" : "upstream_unavailable";
      this.#finish(sessionId, row.job_id, "failed", executionError(code, `${row.tool_name}: ${LOST_MESSAGE}`));
    }
  }

  /** Ends the job unless it has already ended (a cancelled call's own answer comes after its cancellation). */
  #finish(sessionId: string, jobId: string, status: JobStatus, result: ExecutionResult): void {
    const row = this.store.get(jobId);
    if (!row || isFinished(row.status)) return;
    try {
      this.store.finished(jobId, status, result, Date.now());
    } catch (error) {
      // A result SQLite cannot keep (a value is at most 2 MB): the job ends failed and says why, never stuck running.
      this.logger.warn("job_result_not_kept", { session: sessionId, job: jobId, error: String(error) });
      const tooLarge = `${row.tool_name}: its result is too large to keep as a job's result; call the tool synchronously`;
      this.store.finished(jobId, "failed", executionError("tool_error", tooLarge), Date.now());
    }
    this.#changed(sessionId, jobId);
  }

  #changed(sessionId: string, jobId: string): void {
    const row = this.store.get(jobId);
    if (row) this.onChange(jobView(sessionId, row));
  }
}

function isFinished(status: JobStatus): boolean {
  return FINISHED_JOB_STATUSES.includes(status);
}

function notFound(jobId: string) {
  return failure("job_not_found", `no job "${jobId}" in this session`);
}

/** A job as the session answers it. */
export function jobView(sessionId: string, row: JobRow): JobView {
  const date = (at: number | null) => (at === null ? null : new Date(at));
  return {
    job_id: row.job_id,
    session_id: sessionId,
    tool_name: row.tool_name,
    status: row.status,
    progress: row.progress,
    result: row.result,
    created_at: new Date(row.created_at),
    started_at: date(row.started_at),
    finished_at: date(row.finished_at),
    expires_at: row.finished_at === null ? null : new Date(row.finished_at + FINISHED_JOB_RETENTION_MS),
  };
}
