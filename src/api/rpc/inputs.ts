/**
 * @module api/rpc/inputs
 * The RPC requests, checked by the REST API's own schemas (composed, not copied): both APIs accept the same
 * values and reject the rest with the same messages, naming the proto's field. Proto3 cannot tell an empty
 * string from a missing one, so an optional field left empty counts as not given. JSON values (arguments, the
 * device frame) nest no deeper than REST's bodies may, the message counting as one level, as REST's body does.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { z } from "@hono/zod-openapi";
import type {
  BatchExecuteToolsRequest,
  BindSessionRequest,
  ExecuteToolRequest,
  HandleMessageRequest,
  StartJobRequest,
} from "../../gen/mcp/service_pb";
import { AgentId } from "../../contract/endpoint";
import { parseJson } from "../../util/json";
import { type FieldIssue, fieldIssues, invalidRequest, nestingIssue } from "../../validation";
import {
  BatchRequest,
  BindRequest,
  DeviceFrame,
  ExecuteRequest,
  JobPathParams,
  SessionId,
  ToolPathParams,
} from "../rest/schemas";

const WHERE = "request";

const SessionInput = z.object({ session_id: SessionId });
const AgentInput = z.object({ agent_id: AgentId });
const BindSessionInput = BindRequest.extend({ session_id: SessionId });
// The tool call's timeout comes from the call's deadline, not from the message.
const ExecuteToolInput = ExecuteRequest.omit({ timeout_ms: true, mode: true }).extend({
  tool_name: ToolPathParams.shape.toolName,
});
// A job's timeout is its own: the rpc answers at once.
const StartJobInput = ExecuteRequest.omit({ mode: true }).extend({ tool_name: ToolPathParams.shape.toolName });
const JobInput = z.object({ session_id: SessionId, job_id: JobPathParams.shape.jobId });

/** The fields ExecuteToolRequest and StartJobRequest share (the same numbers). */
type ToolCallRequest = Pick<ExecuteToolRequest, "toolName" | "arguments" | "sessionId" | "deviceId" | "argumentsJson">;

/** The session id of any request that names only a session. */
export function sessionInput(req: { sessionId: string }): z.output<typeof SessionInput> {
  return parse(SessionInput, { session_id: req.sessionId });
}

/** A BindSession request, by the rules of REST's bind path and body. */
export function bindInput(req: BindSessionRequest): z.output<typeof BindSessionInput> {
  return parse(BindSessionInput, {
    session_id: req.sessionId,
    device_id: req.deviceId,
    client_id: req.clientId,
    vision_url: optional(req.visionUrl),
    token: optional(req.token),
    // Proto3 cannot tell an empty list from none: an empty list is left out.
    tools: req.tools && { allow: nonEmpty(req.tools.allow), deny: nonEmpty(req.tools.deny) },
    agent_id: optional(req.agentId),
  });
}

/** The agent id of an endpoint request, by the rule of REST's path. */
export function agentInput(req: { agentId: string }): z.output<typeof AgentInput> {
  return parse(AgentInput, { agent_id: req.agentId });
}

/** An ExecuteTool request, by the rules of REST's execute path and body; arguments from either field. */
export function executeInput(req: ToolCallRequest): z.output<typeof ExecuteToolInput> {
  const args = oneOf("arguments", req.arguments, "arguments_json", req.argumentsJson) ?? {};
  checkNesting({ arguments_json: args });
  return parse(ExecuteToolInput, {
    tool_name: req.toolName,
    session_id: req.sessionId,
    device_id: optional(req.deviceId),
    arguments: args,
  });
}

/** A StartJob request: an ExecuteTool request's fields by the same rules, and the job's `timeout_ms` (0: none). */
export function startJobInput(req: StartJobRequest): z.output<typeof StartJobInput> {
  const call = executeInput(req);
  return parse(StartJobInput, { ...call, timeout_ms: unlessZero(req.timeoutMs) });
}

/** A GetJob or CancelJob request. */
export function jobInput(req: { sessionId: string; jobId: string }): z.output<typeof JobInput> {
  return parse(JobInput, { session_id: req.sessionId, job_id: req.jobId });
}

/** A BatchExecuteTools request, by the rules of REST's batch body; each call's arguments from either field. */
export function batchInput(req: BatchExecuteToolsRequest): z.output<typeof BatchRequest> {
  const calls = req.calls.map((call, i) => ({
    tool_name: call.toolName,
    arguments: oneOf(`calls[${i}].arguments`, call.arguments, `calls[${i}].arguments_json`, call.argumentsJson) ?? {},
    timeout_ms: unlessZero(call.timeoutMs),
  }));
  checkNesting({ calls: calls.map((call) => ({ arguments_json: call.arguments })) });
  return parse(BatchRequest, { session_id: req.sessionId, calls, max_concurrency: unlessZero(req.maxConcurrency) });
}

/** The session and the device frame of a HandleXiaoZhiMessage request. */
export function deviceFrameInput(req: HandleMessageRequest): { session_id: string; frame: z.output<typeof DeviceFrame> } {
  const { session_id } = sessionInput(req);
  const frame = oneOf("message", req.message, "message_json", req.messageJson, fromFrameFields);
  if (frame === undefined) {
    throw invalidRequest(WHERE, [{ field: "message_json", rule: "required", message: "the device's frame is required" }]);
  }
  // The frame fields' JSON text is parsed (fromFrameFields): as deep as the JSON field's value can be.
  checkNesting({ [req.messageJson === undefined ? "message" : "message_json"]: frame });
  return { session_id, frame: parse(DeviceFrame, frame) };
}

/** Refuses a request whose JSON values, as `fields` of the message, nest deeper than REST's bodies may. */
function checkNesting(fields: Record<string, JsonValue>): void {
  const issue = nestingIssue(fields);
  if (issue) throw invalidRequest(WHERE, [issue]);
}

function parse<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidRequest(WHERE, fieldIssues(parsed.error));
  return parsed.data;
}

function optional(value: string): string | undefined {
  return value === "" ? undefined : value;
}

function unlessZero(value: number): number | undefined {
  return value === 0 ? undefined : value;
}

function nonEmpty(list: string[]): string[] | undefined {
  return list.length === 0 ? undefined : list;
}

/**
 * The value of whichever of a string-map field (the original design's) and its JSON field is set; both set is
 * invalid, neither set is undefined.
 */
function oneOf(
  mapName: string,
  map: Record<string, string>,
  jsonName: string,
  json: JsonObject | undefined,
  fromMap: (map: Record<string, string>) => JsonObject = (m) => m,
): JsonObject | undefined {
  const mapSet = Object.keys(map).length > 0;
  if (mapSet && json !== undefined) {
    const issue: FieldIssue = { field: jsonName, rule: "one_of", message: `set ${mapName} or ${jsonName}, not both` };
    throw invalidRequest(WHERE, [issue]);
  }
  return json ?? (mapSet ? fromMap(map) : undefined);
}

/** A frame from its top-level fields as strings: the JSON text of an object or array becomes that value. */
function fromFrameFields(fields: Record<string, string>): JsonObject {
  const frame: JsonObject = {};
  for (const [key, text] of Object.entries(fields)) frame[key] = /^\s*[[{]/.test(text) ? parseOr(text) : text;
  return frame;
}

function parseOr(text: string): JsonValue {
  const parsed = parseJson(text);
  return parsed.ok ? (parsed.value as JsonValue) : text;
}
