/**
 * @module api/rest/schemas
 * The REST API's request and response schemas. They validate requests, type the handlers and generate
 * `/openapi.json`, so the three cannot drift apart.
 */
import { z } from "@hono/zod-openapi";
import { DeviceFrame as DeviceFrameSchema } from "../../tools/device/frames";
import { MAX_CALL_TIMEOUT_MS, MIN_CALL_TIMEOUT_MS } from "../../tools/types";

export const SESSION_ID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
const SESSION_ID_RULE = "1-128 characters of A-Z a-z 0-9 . _ : @ -";

export const SessionId = z
  .string()
  .regex(SESSION_ID_PATTERN, SESSION_ID_RULE)
  .openapi({ description: `The gateway's session id (${SESSION_ID_RULE})`, example: "device-AA_BB_CC_DD_EE_FF" });

export const SessionPathParams = z.object({
  sessionId: SessionId.openapi({ param: { name: "sessionId", in: "path" } }),
});

export const ToolPathParams = z.object({
  toolName: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: "toolName", in: "path" }, example: "local_play_music" }),
});

export const ToolsQuery = z.object({
  session_id: SessionId.openapi({ param: { name: "session_id", in: "query" } }),
});

const Text = (max: number) => z.string().min(1).max(max);

export const BindRequest = z
  .object({
    device_id: Text(128).openapi({ example: "AA:BB:CC:DD:EE:FF" }),
    client_id: Text(128).openapi({ example: "5f0c3e2a-9d1b-4c55-8a61-0d2f7e9b1c34" }),
    vision_url: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional()
      .openapi({ example: "https://gateway.example.com/api/vision" }),
    token: Text(4096).optional().openapi({ description: "Secret the device's vision JWT is signed with; never returned" }),
  })
  .strict()
  .openapi("BindRequest");

export const ExecuteRequest = z
  .object({
    session_id: SessionId,
    arguments: z
      .record(z.string(), z.unknown())
      .default({})
      .openapi({ example: { song_name: "稻香" } }),
    device_id: Text(128).optional(),
    timeout_ms: z
      .number()
      .int()
      .min(MIN_CALL_TIMEOUT_MS)
      .max(MAX_CALL_TIMEOUT_MS)
      .optional()
      .openapi({ description: "How long to wait for the tool; the source's default (30 s) when absent" }),
  })
  .strict()
  .openapi("ExecuteRequest");

const JsonSchemaObject = z.record(z.string(), z.unknown()).openapi({ example: { type: "object", properties: {}, required: [] } });

export const Tool = z
  .object({
    name: z.string(),
    description: z.string(),
    input_schema: JsonSchemaObject,
    source: z.enum(["local", "external", "device"]),
    original_name: z.string(),
    server: z.string().optional(),
  })
  .openapi("Tool");

export const SourceReport = z
  .object({
    source: z.string(),
    kind: z.enum(["local", "external", "device"]),
    status: z.enum(["ok", "unavailable", "incomplete", "unsupported"]),
    tool_count: z.number().int(),
    error: z.string().optional(),
  })
  .openapi("SourceReport");

export const ServersQuery = ToolsQuery;

export const ServerStatus = z
  .object({
    name: z.string(),
    status: z
      .enum(["idle", "connecting", "ready", "failed", "closed", "disabled", "unsupported"])
      .openapi({ description: "idle: not contacted by this session yet; unsupported: a stdio server (see last_error)" }),
    transport: z.enum(["auto", "streamable-http", "sse", "stdio"]).nullable().openapi({ description: "As configured" }),
    transport_in_use: z.enum(["streamable-http", "sse"]).nullable(),
    url: z.string().nullable().openapi({ description: "Scheme, host and path (no query, no credentials)" }),
    tool_count: z.number().int().nullable(),
    tools_fetched_at: z.string().nullable(),
    last_error: z.string().nullable(),
    last_latency_ms: z.number().nullable(),
    breaker: z
      .object({
        state: z.enum(["closed", "open", "half_open"]),
        consecutive_failures: z.number().int(),
        retry_at: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi("ServerStatus");

export const ServersResponse = z.object({ servers: z.array(ServerStatus) }).openapi("ServersResponse");

export const ToolsResponse = z.object({ tools: z.array(Tool), sources: z.array(SourceReport) }).openapi("ToolsResponse");

export const ExecutionResult = z
  .object({
    success: z.boolean(),
    action: z.enum(["none", "response", "call_handler", "req_llm", "error"]),
    result: z.unknown().openapi({ description: "req_llm: text for the LLM; call_handler: {func_name, args}" }),
    response: z.string().nullable().openapi({ description: "response: text to speak to the user directly" }),
    content: z
      .array(z.unknown())
      .optional()
      .openapi({ description: "External tools: the full MCP content when it held more than text (images, audio, resources)" }),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).optional(),
  })
  .openapi("ExecutionResult");

export const DeviceView = z
  .object({
    relay: z.enum(["open", "closed"]),
    relay_opened_at: z.string().nullable(),
    tools_status: z.enum(["ok", "incomplete", "unavailable"]),
    last_notification: z
      .object({ method: z.string(), params: z.record(z.string(), z.unknown()).nullable(), received_at: z.string() })
      .nullable()
      .openapi({ description: "The latest notification the device sent (recorded, never answered)" }),
  })
  .openapi("DeviceRelay");

export const SessionView = z
  .object({
    session_id: z.string(),
    device_id: z.string(),
    client_id: z.string(),
    vision_url: z.string().nullable(),
    has_token: z.boolean(),
    bound_at: z.string(),
    last_used_at: z.string(),
    expires_at: z.string(),
    tools: z
      .object({ count: z.number().int(), sources: z.array(SourceReport) })
      .optional()
      .openapi({
        description: "Every source's tools as listed now: in GET, not in bind's answer (bind does not wait on the sources)",
      }),
    device: DeviceView,
  })
  .openapi("Session");

export const BindResponse = z
  .object({ success: z.literal(true), created: z.boolean(), message: z.string(), session: SessionView })
  .openapi("BindResponse");

export const UnbindResponse = z.object({ success: z.literal(true), message: z.string() }).openapi("UnbindResponse");

/** A frame from the device, exactly as the gateway got it (the same text it would pipe into the relay). */
export const DeviceFrame = DeviceFrameSchema.openapi("DeviceFrame", {
  example: {
    type: "mcp",
    session_id: "device-AA_BB_CC_DD_EE_FF",
    payload: { jsonrpc: "2.0", id: 7, result: { content: [{ type: "text", text: "true" }], isError: false } },
  },
});

/** What became of a device frame (the seed's HandleMessageResponse). */
export const MessageResponse = z
  .object({
    success: z.boolean().openapi({ description: "False when the frame was dropped (a reply nothing waits for)" }),
    result: z.string().openapi({ example: "reply to tools/call 7" }),
  })
  .openapi("MessageResponse");

export const HealthResponse = z
  .object({ status: z.enum(["ok", "degraded"]), service: z.string(), version: z.string(), config: z.enum(["ok", "invalid"]) })
  .openapi("Health");

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "invalid_request" }),
      message: z
        .string()
        .openapi({ example: "invalid request body: device_id: Invalid input: expected string, received number" }),
      details: z.unknown().optional(),
    }),
  })
  .openapi("Error");
