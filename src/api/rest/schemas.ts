/**
 * @module api/rest/schemas
 * The REST API's request and response schemas: the contract's (src/contract), named for `/openapi.json`, plus
 * the shapes only REST has (path and query parameters, the health and error bodies). They validate requests,
 * type the handlers and generate the document, so the three cannot drift apart.
 */
import { z } from "@hono/zod-openapi";
import { type ErrorCode, ErrorStatus } from "../../errors";
import { DeviceFrame as DeviceFrameContract } from "../../contract/device-frames";
import {
  ExecuteRequest as ExecuteRequestContract,
  ExecutionResult as ExecutionResultContract,
  ToolName,
} from "../../contract/execution";
import { BatchRequest as BatchRequestContract, BatchResults } from "../../contract/batch";
import { JobViewJson } from "../../contract/jobs";
import { ServerStatusJson, TenantServerJson } from "../../contract/servers";
import {
  BindAnswerJson,
  BindRequest as BindRequestContract,
  DeviceViewJson,
  SessionId as SessionIdContract,
  SessionViewJson,
  UnbindAnswer,
} from "../../contract/session";
import { SourceReport as SourceReportContract, ToolDescriptor, ToolList } from "../../contract/tools";

export const SessionId = SessionIdContract;

export const SessionPathParams = z.object({
  sessionId: SessionId.openapi({ param: { name: "sessionId", in: "path" } }),
});

export const ToolPathParams = z.object({
  toolName: ToolName.openapi({ param: { name: "toolName", in: "path" } }),
});

export const ToolsQuery = z.object({
  session_id: SessionId.openapi({ param: { name: "session_id", in: "query" } }),
});

/** Without `session_id`: the tenant-wide view of the servers, as its sessions last saw them. */
export const ServersQuery = z.object({
  session_id: SessionId.optional().openapi({ param: { name: "session_id", in: "query", required: false } }),
});

/** A job's path: its id, and whose session it is in the query (`?session_id=`). */
export const JobPathParams = z.object({
  jobId: z.uuid().openapi({ param: { name: "jobId", in: "path" }, description: "The id the async execute answered" }),
});

export const JobQuery = ToolsQuery;

export const BatchRequest = BatchRequestContract.openapi("BatchRequest");

export const BatchResponse = BatchResults.openapi("BatchResponse");

/** Named in the contract. */
export const Job = JobViewJson;

export const BindRequest = BindRequestContract.openapi("BindRequest");

export const ExecuteRequest = ExecuteRequestContract.openapi("ExecuteRequest");

/** Named in the contract (each answer that nests it refers to the one component). */
export const Tool = ToolDescriptor;

/** Named in the contract (each answer that nests it refers to the one component). */
export const SourceReport = SourceReportContract;

/** Named in the contract (each answer that nests it refers to the one component). */
export const ServerStatus = ServerStatusJson;

export const SessionServersResponse = z.object({ servers: z.array(ServerStatus) }).openapi("ServersResponse");

export const TenantServersResponse = z.object({ servers: z.array(TenantServerJson) }).openapi("TenantServersResponse");

/** With `session_id`: the session's view; without: the tenant's. */
export const ServersResponse = z.union([SessionServersResponse, TenantServersResponse]);

export const ToolsResponse = ToolList.openapi("ToolsResponse");

export const ExecutionResult = ExecutionResultContract.openapi("ExecutionResult");

/** Named in the contract (each answer that nests it refers to the one component). */
export const DeviceView = DeviceViewJson;

/** Named in the contract (each answer that nests it refers to the one component). */
export const SessionView = SessionViewJson;

export const BindResponse = BindAnswerJson.openapi("BindResponse");

export const UnbindResponse = UnbindAnswer.openapi("UnbindResponse");

/** A frame from the device, exactly as the gateway got it (the same text it would pipe into the relay). */
export const DeviceFrame = DeviceFrameContract.openapi("DeviceFrame");

/** What became of a device frame (the seed's HandleMessageResponse). */
export const MessageResponse = z
  .object({
    success: z.boolean().openapi({ description: "False when the frame was dropped (a reply nothing waits for)" }),
    result: z.string(),
  })
  .openapi("MessageResponse");

export const HealthResponse = z
  .object({
    status: z.enum(["ok", "degraded"]),
    service: z.string(),
    version: z.string(),
    config: z.enum(["ok", "partial", "invalid"]),
  })
  .openapi("Health");

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ErrorStatus) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.unknown().optional(),
      request_id: z.string().openapi({
        description: "The request's id, as answered in `X-Request-Id`: its lines in the service's log carry it",
        example: "3f0c9a52-5d1e-4b7a-9c51-0f6d2e8a7b14",
      }),
    }),
  })
  .openapi("Error");
