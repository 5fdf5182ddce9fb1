/**
 * @module api/rest/job-examples
 * The examples of `/openapi.json` for batches and jobs: the exchanges README.md's "Batches and jobs" walks
 * through, each set typed by the schema it illustrates.
 */
import type { Examples } from "./examples";
import type { BatchRequest, BatchResponse, Job } from "./schemas";

export const batchRequests = {
  three: {
    summary: "Three calls: two external tools and an unknown name, at most two at once",
    value: {
      session_id: "demo-1",
      calls: [
        { tool_name: "mcp_echo", arguments: { message: "hello" } },
        { tool_name: "mcp_get-sum", arguments: { a: 1, b: 2 }, timeout_ms: 5000 },
        { tool_name: "mcp_nothing" },
      ],
      max_concurrency: 2,
    },
  },
} satisfies Examples<typeof BatchRequest>;

export const batchResponses = {
  three: {
    summary: "One result per call, in the calls' order; the unknown tool fails alone",
    value: {
      results: [
        { success: true, action: "req_llm", result: "Echo: hello", response: null },
        { success: true, action: "req_llm", result: "The sum of 1 and 2 is 3.", response: null },
        {
          success: false,
          action: "error",
          result: null,
          response: null,
          error: { code: "tool_not_found", message: 'no tool named "mcp_nothing" in this session' },
        },
      ],
    },
  },
} satisfies Examples<typeof BatchResponse>;

const JOB_ID = "0b7c6f0e-3f0c-4d7e-9a51-8f0f3f1b2c44";
const running = {
  job_id: JOB_ID,
  session_id: "demo-1",
  tool_name: "mcp_trigger-long-running-operation",
  status: "running",
  progress: null,
  result: null,
  created_at: "2026-11-24T10:36:00.000Z",
  started_at: "2026-11-24T10:36:00.000Z",
  finished_at: null,
  expires_at: null,
  url: `/api/v1/mcp/jobs/${JOB_ID}?session_id=demo-1`,
} as const;

export const acceptedJobs = {
  running: { summary: "The job is accepted and its call has started", value: running },
} satisfies Examples<typeof Job>;

export const jobs = {
  progress: {
    summary: "Running: the upstream reported 2 of 5 steps",
    value: { ...running, progress: { progress: 2, total: 5 } },
  },
  succeeded: {
    summary: "Done: the result is the ExecutionResult the execute would have answered",
    value: {
      ...running,
      status: "succeeded",
      progress: { progress: 5, total: 5 },
      result: {
        success: true,
        action: "req_llm",
        result: "Long running operation completed. Duration: 5 seconds, Steps: 5.",
        response: null,
      },
      finished_at: "2026-11-24T10:36:05.000Z",
      expires_at: "2026-11-24T10:46:05.000Z",
    },
  },
} satisfies Examples<typeof Job>;

export const cancelledJobs = {
  cancelled: {
    summary: "Cancelled: the upstream was sent notifications/cancelled",
    value: {
      ...running,
      status: "cancelled",
      progress: { progress: 1, total: 5 },
      result: {
        success: false,
        action: "error",
        result: null,
        response: null,
        error: { code: "cancelled", message: "mcp_trigger-long-running-operation: the job was cancelled (DELETE)" },
      },
      finished_at: "2026-11-24T10:36:02.000Z",
      expires_at: "2026-11-24T10:46:02.000Z",
    },
  },
} satisfies Examples<typeof Job>;
