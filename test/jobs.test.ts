/**
 * @module test/jobs.test
 * Jobs (an execute with `"mode": "async"`) against a real server-everything upstream: the 202 and its URL,
 * progress polling, success, cancellation reaching the upstream, eviction mid-job, expiry of finished jobs, the
 * running cap, unknown and other tenants' jobs, and the same over RPC.
 */
import { Code } from "@connectrpc/connect";
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type JobBody, fieldDetails, okBody, restBind, restJob, restRequest, restStartJob, resultText } from "./api";
import { EventListener } from "./event-stream";
import { TENANT_B_KEY } from "./keys";
import { pollUntil } from "./poll";
import { rpcClient, rpcError } from "./rpc-client";
import { sessionObject } from "./session-object";
import { upstream } from "./upstreams/control";

const LONG = "mcp_everything_trigger-long-running-operation";
/** Long enough to be cancelled, evicted or counted while it runs. */
const TEN_SECONDS = { duration: 10, steps: 10 };
const UNKNOWN_JOB = "0b7c6f0e-3f0c-4d7e-9a51-8f0f3f1b2c44";

/** Starts a job and fails the test unless it was accepted. */
async function startJob(sessionId: string, tool: string, args: Record<string, unknown> = {}): Promise<JobBody> {
  const reply = await restStartJob(sessionId, tool, args);
  expect(reply.status).toBe(202);
  expect(reply.headers.get("Location")).toBe(reply.body.url);
  return reply.body;
}

const job = async (sessionId: string, jobId: string) => okBody(await restJob(sessionId, jobId));
const cancel = async (sessionId: string, jobId: string) => okBody(await restJob(sessionId, jobId, { method: "DELETE" }));

describe("jobs", () => {
  it("answers 202 with the job's URL at once, reports the upstream's progress, and ends with the result", async () => {
    await restBind("job-progress");
    const started = await startJob("job-progress", LONG, { duration: 2, steps: 4 });
    expect(started).toMatchObject({ session_id: "job-progress", tool_name: LONG, status: "running", result: null });
    expect(started.url).toBe(`/api/v1/mcp/jobs/${started.job_id}?session_id=job-progress`);

    const progressing = await pollUntil(
      () => job("job-progress", started.job_id),
      (j) => j.progress !== null,
      "progress",
    );
    expect(progressing.progress).toMatchObject({ total: 4 });
    expect(progressing.progress?.progress).toBeGreaterThanOrEqual(1);

    const done = await pollUntil(
      () => job("job-progress", started.job_id),
      (j) => j.status !== "running",
      "the job to end",
    );
    expect(done).toMatchObject({ status: "succeeded", progress: { progress: 4, total: 4 } });
    expect(resultText(done.result!)).toBe("Long running operation completed. Duration: 2 seconds, Steps: 4.");
    const finished = Date.parse(done.finished_at!);
    expect(Date.parse(done.expires_at!) - finished).toBe(10 * 60_000);
  }, 20_000);

  it("tells the session's event listeners each step: running, its progress, and the result once done", async () => {
    await restBind("job-events");
    const listener = await EventListener.open("job-events");
    const started = await startJob("job-events", LONG, { duration: 1, steps: 2 });
    const events = await listener.until((e) => e.event === "job" && (e.data as { status: string }).status !== "running");
    const steps = events.filter((e) => e.event === "job").map((e) => e.data as Record<string, unknown>);
    expect(steps.every((s) => s.job_id === started.job_id && s.tool_name === LONG)).toBe(true);
    expect(steps.filter((s) => s.status === "running").map((s) => s.progress)).toEqual(expect.arrayContaining([1, 2]));
    const done = steps.at(-1)!;
    expect(done).toMatchObject({ status: "succeeded", progress: 2, total: 2, result: { success: true } });
    expect(steps.slice(0, -1).some((s) => "result" in s)).toBe(false);
    await listener.close();
  }, 20_000);

  it("is asked for by Prefer: respond-async too; a body's mode says otherwise; sync execute is unchanged", async () => {
    await restBind("job-prefer");
    const execute = (body: Record<string, unknown>) =>
      restRequest<JobBody>("/api/v1/mcp/tools/local_get_time/execute", {
        body: { session_id: "job-prefer", ...body },
        headers: { Prefer: "wait=5, respond-async" },
      });
    const preferred = await execute({});
    expect(preferred.status).toBe(202);
    const done = await pollUntil(
      () => job("job-prefer", preferred.body.job_id),
      (j) => j.status === "succeeded",
      "the job",
    );
    expect(done.result).toMatchObject({ success: true, action: "req_llm" });
    expect((await execute({ mode: "sync" })).body).toMatchObject({ success: true, action: "req_llm" });
    expect((await execute({ mode: "later" })).status).toBe(400);
  });

  it("cancels a running job: the upstream is sent notifications/cancelled, and the job stays cancelled", async () => {
    await restBind("job-cancel");
    const host = upstream("stable");
    const before = (await host.stats()).methods["notifications/cancelled"] ?? 0;
    const started = await startJob("job-cancel", LONG, TEN_SECONDS);
    await pollUntil(
      () => job("job-cancel", started.job_id),
      (j) => j.progress !== null,
      "the call to be under way",
    );

    const cancelled = await cancel("job-cancel", started.job_id);
    expect(cancelled).toMatchObject({
      status: "cancelled",
      result: { success: false, action: "error", error: { code: "cancelled" } },
    });
    await pollUntil(
      host.stats,
      (stats) => (stats.methods["notifications/cancelled"] ?? 0) > before,
      "the upstream to hear the cancellation",
    );
    // The aborted call's own answer does not undo the cancellation; cancelling again changes nothing.
    expect(await cancel("job-cancel", started.job_id)).toEqual(cancelled);
    expect(await job("job-cancel", started.job_id)).toEqual(cancelled);
  }, 20_000);

  // A graceful eviction waits for the call in flight; aborting the objects is the eviction that does not wait.
  it("ends a job failed, never stuck running, when the object is torn down while it runs", async () => {
    await restBind("job-evict");
    const started = await startJob("job-evict", LONG, TEN_SECONDS);
    await abortAllDurableObjects();
    const lost = await job("job-evict", started.job_id);
    expect(lost).toMatchObject({ status: "failed", result: { success: false, error: { code: "upstream_unavailable" } } });
    expect(lost.result?.error?.message).toMatch(/the job's call was lost: the session's object restarted/);
  }, 20_000);

  it("finds a lost job from the alarm too, with nobody asking", async () => {
    await restBind("job-evict-alarm");
    const started = await startJob("job-evict-alarm", LONG, TEN_SECONDS);
    const stub = sessionObject("job-evict-alarm");
    await abortAllDurableObjects();
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const status = await runInDurableObject(stub, (_i, state) =>
      state.storage.sql.exec("SELECT status FROM session_job WHERE job_id = ?", started.job_id).one(),
    );
    expect(status).toEqual({ status: "failed" });
  }, 20_000);

  it("keeps a finished job for its retention, then the alarm deletes it", async () => {
    await restBind("job-expiry");
    const started = await startJob("job-expiry", "local_get_time");
    await pollUntil(
      () => job("job-expiry", started.job_id),
      (j) => j.status === "succeeded",
      "the job",
    );
    const stub = sessionObject("job-expiry");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await restJob("job-expiry", started.job_id)).status).toBe(200);

    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_job SET finished_at = ?", Date.now() - 10 * 60_000 - 1000);
    });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const gone = await restJob("job-expiry", started.job_id);
    expect(gone.status).toBe(404);
    expect(gone.body.error?.code).toBe("job_not_found");
  });

  it("refuses a job past the session's running cap with 429 job_limit_reached, and takes one once a slot frees", async () => {
    await restBind("job-cap");
    const running = await Promise.all([1, 2, 3, 4].map(() => startJob("job-cap", LONG, TEN_SECONDS)));
    const refused = await restStartJob("job-cap", LONG, TEN_SECONDS);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "job_limit_reached", details: { limit: 4, running: 4 } });
    await cancel("job-cap", running[0]!.job_id);
    const fifth = await startJob("job-cap", "local_get_time");
    await Promise.all([...running.slice(1), fifth].map((j) => cancel("job-cap", j.job_id)));
  }, 20_000);

  it("answers an unknown tool 404 at once, and refused arguments as a failed job", async () => {
    await restBind("job-tools");
    const unknown = await restStartJob("job-tools", "mcp_nothing_here");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe("tool_not_found");
    const refused = await startJob("job-tools", "mcp_everything_echo", {});
    const done = await pollUntil(
      () => job("job-tools", refused.job_id),
      (j) => j.status !== "running",
      "the job to end",
    );
    expect(done).toMatchObject({ status: "failed", result: { error: { code: "invalid_arguments" } } });
  });

  it("answers job_not_found for an unknown id and another tenant's job, and 400 for a malformed id", async () => {
    await restBind("job-ids");
    await restBind("job-ids", {}, { key: TENANT_B_KEY });
    const started = await startJob("job-ids", "local_get_time");
    for (const reply of [
      await restJob("job-ids", UNKNOWN_JOB),
      await restJob("job-ids", UNKNOWN_JOB, { method: "DELETE" }),
      await restJob("job-ids", started.job_id, { key: TENANT_B_KEY }),
      await restJob("job-ids", started.job_id, { key: TENANT_B_KEY, method: "DELETE" }),
    ]) {
      expect(reply.status).toBe(404);
      expect(reply.body.error?.code).toBe("job_not_found");
    }
    const unbound = await restJob("job-nobody", started.job_id);
    expect(unbound.body.error?.code).toBe("session_not_found");
    const malformed = await restJob("job-ids", "not-a-job");
    expect(malformed.status).toBe(400);
    expect(fieldDetails(malformed.body)[0]).toMatchObject({ field: "jobId" });
    expect((await job("job-ids", started.job_id)).job_id).toBe(started.job_id);
  });

  it("is served over RPC: StartJob, GetJob and CancelJob", async () => {
    await restBind("job-rpc");
    const client = rpcClient("connect-json");
    const { job: started } = await client.startJob({
      sessionId: "job-rpc",
      toolName: LONG,
      argumentsJson: TEN_SECONDS,
      timeoutMs: 60_000,
    });
    expect(started).toMatchObject({ sessionId: "job-rpc", toolName: LONG, status: "running" });
    const { job: read } = await client.getJob({ sessionId: "job-rpc", jobId: started!.jobId });
    expect(read?.jobId).toBe(started!.jobId);
    const { job: cancelled } = await client.cancelJob({ sessionId: "job-rpc", jobId: started!.jobId });
    expect(cancelled).toMatchObject({ status: "cancelled", result: { success: false, error: { code: "cancelled" } } });
    await rpcError(client.getJob({ sessionId: "job-rpc", jobId: UNKNOWN_JOB }), Code.NotFound, "job_not_found");
    await rpcError(
      client.startJob({ sessionId: "job-rpc", toolName: LONG, timeoutMs: 5 }),
      Code.InvalidArgument,
      "invalid_request",
    );
  }, 20_000);
});
