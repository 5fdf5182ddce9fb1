/**
 * @module durable-objects/job-storage
 * The session's jobs over its SQLite: one `session_job` row per job (DDL in `session-schema.ts`), its progress
 * and result as JSON text. Rows are parsed on read. Writes happen only while the session's tables exist (while it
 * is bound), so a call that ends after an unbind leaves no trace; and a finished job is never written again, so a
 * late answer cannot undo a cancellation.
 */
import { z } from "zod";
import { ExecutionResult } from "../src/contract/execution";
import { JobProgress, JobStatus } from "../src/contract/jobs";
import { ToolSourceKind } from "../src/contract/tools";
import { parseJson } from "../src/util/json";
import type { SessionSchema } from "./session-schema";
import type { Sql } from "./sql";

/** A column holding JSON text, parsed with `schema` (null stays null). */
const jsonColumn = <T extends z.ZodType>(schema: T) =>
  z.preprocess((text) => {
    if (typeof text !== "string") return text;
    const parsed = parseJson(text);
    return parsed.ok ? parsed.value : text;
  }, schema.nullable());

export const JobRow = z.object({
  job_id: z.string(),
  tool_name: z.string(),
  /** The source of the tool: what a lost call's result names (upstream or device). */
  source: ToolSourceKind,
  status: JobStatus,
  progress: jsonColumn(JobProgress),
  result: jsonColumn(ExecutionResult),
  created_at: z.number(),
  started_at: z.number().nullable(),
  finished_at: z.number().nullable(),
  /** When an unfinished job must have ended (its timeout passed): the alarm checks on it then. */
  deadline_at: z.number(),
});
export type JobRow = z.output<typeof JobRow>;

const COLUMNS = "job_id, tool_name, source, status, progress, result, created_at, started_at, finished_at, deadline_at";
const UNFINISHED = "status IN ('pending', 'running')";

export class SqlJobStore {
  constructor(
    private readonly sql: Sql,
    private readonly schema: SessionSchema,
  ) {}

  get(jobId: string): JobRow | null {
    if (!this.schema.exists()) return null;
    return this.sql.first(JobRow, `SELECT ${COLUMNS} FROM session_job WHERE job_id = ?`, jobId);
  }

  /** The jobs pending or running, by the rows. */
  unfinished(): JobRow[] {
    if (!this.schema.exists()) return [];
    return this.sql.rows(JobRow, `SELECT ${COLUMNS} FROM session_job WHERE ${UNFINISHED}`);
  }

  insert(row: JobRow): void {
    if (!this.schema.exists()) return;
    this.sql.run(
      `INSERT INTO session_job (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.job_id,
      row.tool_name,
      row.source,
      row.status,
      row.progress === null ? null : JSON.stringify(row.progress),
      row.result === null ? null : JSON.stringify(row.result),
      row.created_at,
      row.started_at,
      row.finished_at,
      row.deadline_at,
    );
  }

  started(jobId: string, at: number): void {
    if (!this.schema.exists()) return;
    this.sql.run(`UPDATE session_job SET status = 'running', started_at = ? WHERE job_id = ? AND ${UNFINISHED}`, at, jobId);
  }

  progressed(jobId: string, progress: JobProgress): void {
    if (!this.schema.exists()) return;
    this.sql.run(`UPDATE session_job SET progress = ? WHERE job_id = ? AND ${UNFINISHED}`, JSON.stringify(progress), jobId);
  }

  /** Ends an unfinished job; one already finished is left as it is. */
  finished(jobId: string, status: JobStatus, result: ExecutionResult, at: number): void {
    if (!this.schema.exists()) return;
    this.sql.run(
      `UPDATE session_job SET status = ?, result = ?, finished_at = ? WHERE job_id = ? AND ${UNFINISHED}`,
      status,
      JSON.stringify(result),
      at,
      jobId,
    );
  }

  /** Deletes the jobs that finished before `before` (ms since the epoch). */
  deleteFinishedBefore(before: number): void {
    if (!this.schema.exists()) return;
    this.sql.run(`DELETE FROM session_job WHERE finished_at IS NOT NULL AND finished_at < ?`, before);
  }

  /**
   * The earliest moment the alarm has work for the jobs: a finished job to delete, an unfinished one whose deadline
   * is still ahead of `now` (one past it is checked when its call ends, or by the next look).
   */
  nextDueAt(retentionMs: number, now: number): number | null {
    if (!this.schema.exists()) return null;
    const row = this.sql.first(
      z.object({ at: z.number().nullable() }),
      `SELECT MIN(CASE WHEN finished_at IS NOT NULL THEN finished_at + ? WHEN deadline_at > ? THEN deadline_at END) AS at
       FROM session_job`,
      retentionMs,
      now,
    );
    return row?.at ?? null;
  }
}
