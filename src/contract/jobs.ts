/**
 * @module contract/jobs
 * A job: an execute that answered at once (`"mode": "async"`) and runs on in the session. Its status, the latest
 * progress its tool reported, and its ExecutionResult once done. Declared once over the moment's form (see
 * contract/time): `JobView` is what the session's Durable Object answers, `JobViewJson` what REST writes.
 */
import { z } from "@hono/zod-openapi";
import { ExecutionResult } from "./execution";
import { IsoMoment, Moment, type MomentSchema } from "./time";

/** `pending` (accepted, not started) → `running` → `succeeded` | `failed` | `cancelled`. */
export const JobStatus = z.enum(["pending", "running", "succeeded", "failed", "cancelled"]);
export type JobStatus = z.infer<typeof JobStatus>;

/** The statuses a job never leaves. */
export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ["succeeded", "failed", "cancelled"];

/** The latest progress a tool reported (an MCP `notifications/progress`). */
export const JobProgress = z
  .object({
    progress: z.number(),
    total: z.number().optional(),
    message: z.string().optional(),
  })
  .openapi("JobProgress");
export type JobProgress = z.infer<typeof JobProgress>;

const jobViewOf = <T extends MomentSchema>(moment: T) =>
  z.object({
    job_id: z.string(),
    session_id: z.string(),
    tool_name: z.string(),
    status: JobStatus,
    progress: JobProgress.nullable().openapi({ description: "The latest progress the tool reported; null before any" }),
    result: ExecutionResult.nullable().openapi({ description: "The execution's result once the job has finished" }),
    created_at: moment,
    started_at: z.nullable(moment),
    finished_at: z.nullable(moment),
    expires_at: z.nullable(moment).openapi({ description: "When a finished job is deleted; null while it runs" }),
  });

export const JobView = jobViewOf(Moment);
export type JobView = z.infer<typeof JobView>;

/** A job as REST shows it: with the URL to poll (GET) or cancel (DELETE) it. */
export const JobViewJson = jobViewOf(IsoMoment)
  .extend({ url: z.string().openapi({ description: "GET it for the job's state; DELETE it to cancel the job" }) })
  .openapi("Job");
