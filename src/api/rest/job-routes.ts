/**
 * @module api/rest/job-routes
 * The REST routes of batches and jobs: `POST /api/v1/mcp/tools/batch` (several calls in one request), and a job's
 * URL, `GET` (its state) and `DELETE` (cancel it) on `/api/v1/mcp/jobs/{jobId}?session_id=`. Also what the execute
 * route answers when it starts a job (202 with the job and its URL). Each handler makes one RPC into the session.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { ExecuteRequest } from "../../contract/execution";
import type { JobView } from "../../contract/jobs";
import type { AppEnv } from "../../env";
import { noteRequest } from "../request-log";
import { sessionStub, unwrap } from "../session-calls";
import { errorResponses } from "./error-responses";
import { acceptedJobs, batchRequests, batchResponses, cancelledJobs, jobs } from "./job-examples";
import { jsonBody } from "./json-body";
import { API, BODY, common, json, jsonRequest } from "./route-parts";
import { BatchRequest, BatchResponse, Job, JobPathParams, JobQuery } from "./schemas";

/** The execute route's 202: the job, started. */
export const acceptedJobResponse = json(Job, "The call runs as a job: poll its `url` (also in `Location`)", acceptedJobs);

/** Whether an execute asked to run as a job: its body's `mode`, else a `Prefer: respond-async` header (RFC 7240). */
export function asyncRequested(mode: ExecuteRequest["mode"], prefer: string | undefined): boolean {
  if (mode !== undefined) return mode === "async";
  return (prefer ?? "").split(",").some((preference) => preference.split(/[;=]/)[0]?.trim().toLowerCase() === "respond-async");
}

/** A job as REST answers it, with its URL; `Location` names the URL too. */
export function jobAnswer(job: JobView) {
  const url = `/api/v1/mcp/jobs/${job.job_id}?session_id=${encodeURIComponent(job.session_id)}`;
  return { body: { ...job, url }, headers: { Location: url } };
}

export const batchRoute = createRoute({
  ...common,
  method: "post",
  path: "/api/v1/mcp/tools/batch",
  operationId: "executeBatch",
  tags: ["tools"],
  summary: "Execute several tools in one request; one ExecutionResult per call, in the calls' order",
  description:
    "The calls run concurrently in the session, at most `max_concurrency` at once (4 by default, 8 at most), each " +
    "with its own `timeout_ms`. Each call succeeds or fails on its own: an unknown tool is that call's `tool_not_found` " +
    "result and refused arguments its `invalid_arguments` result; the request fails only as a whole (an unknown " +
    "session, an invalid body, more than 16 calls).",
  request: { body: jsonRequest(BatchRequest, batchRequests) },
  responses: {
    200: json(BatchResponse, "Every call's result, in the calls' order", batchResponses),
    ...errorResponses(...API, ...BODY, "session_not_found"),
  },
});

export const getJobRoute = createRoute({
  ...common,
  method: "get",
  path: "/api/v1/mcp/jobs/{jobId}",
  operationId: "getJob",
  tags: ["jobs"],
  summary: "A job's status, its latest progress, and its result once done",
  description:
    "`pending`, `running`, `succeeded`, `failed` or `cancelled`; `progress` is the latest the tool reported (an " +
    "external server's `notifications/progress`); `result` is the ExecutionResult once the job has finished. " +
    "A job whose call was lost (the session's object restarted) ends `failed`. Finished jobs are kept 10 minutes.",
  request: { params: JobPathParams, query: JobQuery },
  responses: {
    200: json(Job, "The job", jobs),
    ...errorResponses(...API, "invalid_request", "session_not_found", "job_not_found"),
  },
});

export const cancelJobRoute = createRoute({
  ...common,
  method: "delete",
  path: "/api/v1/mcp/jobs/{jobId}",
  operationId: "cancelJob",
  tags: ["jobs"],
  summary: "Cancel a job (an external server is sent notifications/cancelled); a finished job is answered as it is",
  description:
    "A pending or running job ends `cancelled` at once, and its call is aborted: an external server's request is " +
    "cancelled with `notifications/cancelled`. The job stays readable until its retention ends.",
  request: { params: JobPathParams, query: JobQuery },
  responses: {
    200: json(Job, "The job after the cancellation", cancelledJobs),
    ...errorResponses(...API, "invalid_request", "session_not_found", "job_not_found"),
  },
});

export function registerJobRoutes(app: OpenAPIHono<AppEnv>): void {
  app.on(batchRoute.method, batchRoute.getRoutingPath(), jsonBody());

  app.openapi(batchRoute, async (c) => {
    const { session_id, calls, max_concurrency } = c.req.valid("json");
    noteRequest(c, { session: session_id });
    const batch = { calls, max_concurrency, request_id: c.var.requestId };
    return c.json(unwrap(await sessionStub(c.env, c.var.tenant, session_id).executeBatch(batch)), 200);
  });

  app.openapi(getJobRoute, async (c) => {
    const { jobId } = c.req.valid("param");
    const { session_id } = c.req.valid("query");
    noteRequest(c, { session: session_id });
    return c.json(jobAnswer(unwrap(await sessionStub(c.env, c.var.tenant, session_id).job(jobId))).body, 200);
  });

  app.openapi(cancelJobRoute, async (c) => {
    const { jobId } = c.req.valid("param");
    const { session_id } = c.req.valid("query");
    noteRequest(c, { session: session_id });
    return c.json(jobAnswer(unwrap(await sessionStub(c.env, c.var.tenant, session_id).cancelJob(jobId))).body, 200);
  });
}
