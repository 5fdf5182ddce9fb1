/**
 * @module api/rpc/messages
 * The contract's answers (src/contract) as `mcp.*` messages: every field REST has, in the proto's shape. Where
 * the original design's fields are strings, they get the text form of the value and the `*_json` field the value;
 * moments become Timestamps.
 */
import { fromJson, type JsonObject, type MessageInitShape } from "@bufbuild/protobuf";
import { ListValueSchema, timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { BatchResults } from "../../contract/batch";
import type { FrameReceipt } from "../../contract/device-frames";
import type { ExecutionResult, ToolAction } from "../../contract/execution";
import type { JobView } from "../../contract/jobs";
import type { ServerStatus } from "../../contract/servers";
import type { BindAnswer, DeviceView, SessionView } from "../../contract/session";
import type { SourceReport, ToolDescriptor, ToolList } from "../../contract/tools";
import {
  ActionType,
  type BatchExecuteToolsResponseSchema,
  type BindSessionResponseSchema,
  type JobSchema,
  type ExecuteToolResponseSchema,
  type HandleMessageResponseSchema,
  type ListServersResponseSchema,
  type GetToolsResponseSchema,
  type SessionDeviceSchema,
  type SessionSchema,
  type SourceReportSchema,
  type ToolSchema,
} from "../../gen/mcp/service_pb";
import { jsonValue, toStringMap, toText } from "./json";

const ACTION_TYPES = {
  none: ActionType.NONE,
  response: ActionType.RESPONSE,
  call_handler: ActionType.CALL_HANDLER,
  req_llm: ActionType.REQ_LLM,
  error: ActionType.ERROR,
} as const satisfies Record<ToolAction, ActionType>;

/** GetTools: REST's `{tools, sources}`. */
export function toolsMessage(list: ToolList): MessageInitShape<typeof GetToolsResponseSchema> {
  return { tools: list.tools.map(toolMessage), sources: list.sources.map(sourceReportMessage) };
}

function toolMessage(tool: ToolDescriptor): MessageInitShape<typeof ToolSchema> {
  return {
    name: tool.name,
    description: tool.description,
    inputSchema: toStringMap(tool.input_schema),
    inputSchemaJson: jsonValue(tool.input_schema) as JsonObject,
    source: tool.source,
    originalName: tool.original_name,
    server: tool.server ?? "",
    title: tool.title,
    annotationsJson: optionalObject(tool.annotations),
    outputSchemaJson: optionalObject(tool.output_schema),
    iconsJson: tool.icons === undefined ? undefined : fromJson(ListValueSchema, jsonValue(tool.icons)),
    metaJson: optionalObject(tool.meta),
  };
}

/** A JSON object the contract may leave out, as a Struct (absent when it is). */
function optionalObject(value: Record<string, unknown> | undefined): JsonObject | undefined {
  return value === undefined ? undefined : (jsonValue(value) as JsonObject);
}

function sourceReportMessage(report: SourceReport): MessageInitShape<typeof SourceReportSchema> {
  return {
    source: report.source,
    kind: report.kind,
    status: report.status,
    toolCount: report.tool_count,
    error: report.error ?? "",
  };
}

/** ExecuteTool: REST's ExecutionResult, the result both as text (the original field) and as JSON. */
export function executionMessage(result: ExecutionResult): MessageInitShape<typeof ExecuteToolResponseSchema> {
  const value = jsonValue(result.result);
  const message: MessageInitShape<typeof ExecuteToolResponseSchema> = {
    success: result.success,
    action: ACTION_TYPES[result.action],
    result: toText(value),
    response: result.response ?? "",
    resultJson: fromJson(ValueSchema, value),
  };
  if (result.content) message.contentJson = fromJson(ListValueSchema, jsonValue(result.content));
  if (result.error) {
    const { code, message: text, details } = result.error;
    message.error = {
      code,
      message: text,
      details: details === undefined ? undefined : fromJson(ValueSchema, jsonValue(details)),
    };
  }
  return message;
}

/** BatchExecuteTools: REST's batch answer, each result as ExecuteTool answers it. */
export function batchMessage(batch: BatchResults): MessageInitShape<typeof BatchExecuteToolsResponseSchema> {
  return { results: batch.results.map(executionMessage) };
}

/** A job as REST shows it (without its URL), its result as ExecuteTool answers it; REST's nulls are unset. */
export function jobMessage(job: JobView): MessageInitShape<typeof JobSchema> {
  return {
    jobId: job.job_id,
    sessionId: job.session_id,
    toolName: job.tool_name,
    status: job.status,
    progress: job.progress === null ? undefined : { ...job.progress, message: job.progress.message ?? "" },
    result: job.result === null ? undefined : executionMessage(job.result),
    createdAt: timestampFromDate(job.created_at),
    startedAt: timestamp(job.started_at),
    finishedAt: timestamp(job.finished_at),
    expiresAt: timestamp(job.expires_at),
  };
}

/** A session as REST shows it, with Timestamps for its moments and "" for a missing vision URL. */
export function sessionMessage(view: SessionView): MessageInitShape<typeof SessionSchema> {
  return {
    sessionId: view.session_id,
    deviceId: view.device_id,
    clientId: view.client_id,
    visionUrl: view.vision_url ?? "",
    hasToken: view.has_token,
    boundAt: timestampFromDate(view.bound_at),
    lastUsedAt: timestampFromDate(view.last_used_at),
    expiresAt: timestampFromDate(view.expires_at),
    tools: view.tools && { count: view.tools.count, sources: view.tools.sources.map(sourceReportMessage) },
    device: deviceMessage(view.device),
    agentId: view.agent_id ?? "",
  };
}

function deviceMessage(device: DeviceView): MessageInitShape<typeof SessionDeviceSchema> {
  const { relay, relay_opened_at, tools_status, last_notification } = device;
  return {
    relay,
    relayOpenedAt: timestamp(relay_opened_at),
    toolsStatus: tools_status,
    lastNotification:
      last_notification === null
        ? undefined
        : {
            method: last_notification.method,
            params: last_notification.params === null ? undefined : (jsonValue(last_notification.params) as JsonObject),
            receivedAt: timestampFromDate(last_notification.received_at),
          },
  };
}

/** BindSession: REST's bind answer. */
export function bindMessage(answer: BindAnswer): MessageInitShape<typeof BindSessionResponseSchema> {
  return { success: answer.success, message: answer.message, created: answer.created, session: sessionMessage(answer.session) };
}

/** HandleXiaoZhiMessage: what REST's `POST .../messages` answers, the result as text and as JSON. */
export function frameReceiptMessage(receipt: FrameReceipt): MessageInitShape<typeof HandleMessageResponseSchema> {
  return { success: receipt.handled, result: receipt.result, resultJson: fromJson(ValueSchema, receipt.result) };
}

/** ListServers: REST's `/servers` answer; REST's nulls are empty strings or unset fields. */
export function serversMessage(servers: ServerStatus[]): MessageInitShape<typeof ListServersResponseSchema> {
  return {
    servers: servers.map((server) => ({
      name: server.name,
      status: server.status,
      transport: server.transport ?? "",
      transportInUse: server.transport_in_use ?? "",
      url: server.url ?? "",
      toolCount: server.tool_count ?? undefined,
      toolsFetchedAt: timestamp(server.tools_fetched_at),
      lastError: server.last_error ?? "",
      lastLatencyMs: server.last_latency_ms ?? undefined,
      breaker: server.breaker
        ? {
            state: server.breaker.state,
            consecutiveFailures: server.breaker.consecutive_failures,
            retryAt: timestamp(server.breaker.retry_at),
          }
        : undefined,
    })),
  };
}

function timestamp(moment: Date | null) {
  return moment === null ? undefined : timestampFromDate(moment);
}
