/**
 * @module api/rest/examples
 * The request and response examples of `/openapi.json`: the exchanges README.md walks through (bind, read the
 * session, list the tools, execute a local, an external and a device tool, deliver a device frame, list the
 * servers). Each set is typed by the schema it illustrates, and the OpenAPI linter checks the values against it.
 */
import type { z } from "@hono/zod-openapi";
import type {
  BindRequest,
  BindResponse,
  DeviceFrame,
  ExecuteRequest,
  ExecutionResult,
  MessageResponse,
  ServersResponse,
  SessionView,
  Tool,
  ToolsResponse,
  UnbindResponse,
} from "./schemas";

/** Named examples of one media type (OpenAPI's Examples Object), each a value of `T`'s input. */
export type Examples<T extends z.ZodType> = Record<string, { summary: string; value: z.input<T> }>;

const BOUND_AT = "2026-11-24T10:35:51.000Z";

const session = {
  session_id: "demo-1",
  device_id: "AA:BB:CC:DD:EE:FF",
  client_id: "client-1",
  vision_url: "https://gw.example.com/api/vision",
  has_token: true,
  bound_at: BOUND_AT,
  last_used_at: BOUND_AT,
  expires_at: "2026-11-25T10:35:51.000Z",
  device: { relay: "closed", relay_opened_at: null, tools_status: "unavailable", last_notification: null },
} satisfies z.input<typeof SessionView>;

const localSource = { source: "local", kind: "local", status: "ok", tool_count: 6 } as const;
const deviceUnavailable = {
  source: "device",
  kind: "device",
  status: "unavailable",
  tool_count: 0,
  error: "no device relay is open: the gateway opens one when the device connects",
} as const;

export const bindRequests = {
  withVision: {
    summary: "A device with a camera: its vision endpoint and the secret its vision token is signed with",
    value: {
      device_id: "AA:BB:CC:DD:EE:FF",
      client_id: "client-1",
      vision_url: "https://gw.example.com/api/vision",
      token: "s3cret",
    },
  },
  minimal: { summary: "No camera", value: { device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1" } },
} satisfies Examples<typeof BindRequest>;

export const bindResponses = {
  created: {
    summary: "A new binding (without `tools`: bind lists the sources in the background)",
    value: { success: true, created: true, message: "session bound", session },
  },
  updated: {
    summary: "Binding again updates the session",
    value: { success: true, created: false, message: "session binding updated", session },
  },
} satisfies Examples<typeof BindResponse>;

export const sessionViews = {
  bound: {
    summary: "A bound session before the device's relay is open",
    value: { ...session, tools: { count: 6, sources: [localSource, deviceUnavailable] } },
  },
} satisfies Examples<typeof SessionView>;

export const unbindResponses = {
  unbound: { summary: "The session is gone", value: { success: true, message: "session unbound" } },
} satisfies Examples<typeof UnbindResponse>;

/** The local tool every listing shows. */
const localTimeTool = {
  name: "local_get_time",
  description: "查询当前的日期、时间或星期几时调用。",
  input_schema: { type: "object", properties: {}, required: [] },
  source: "local",
  original_name: "get_time",
} satisfies z.input<typeof Tool>;

export const toolLists = {
  threeSources: {
    summary: "A local, an external and a device tool, and how each source answered",
    value: {
      tools: [
        localTimeTool,
        {
          name: "mcp_echo",
          description: "Echoes back the input string",
          input_schema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
          source: "external",
          original_name: "echo",
          server: "everything",
        },
        {
          name: "self_audio_speaker_set_volume",
          description: "Set the volume",
          input_schema: {
            type: "object",
            properties: { volume: { type: "integer", minimum: 0, maximum: 100 } },
            required: ["volume"],
          },
          source: "device",
          original_name: "self.audio_speaker.set_volume",
        },
      ],
      sources: [
        localSource,
        { source: "everything", kind: "external", status: "ok", tool_count: 13 },
        { source: "device", kind: "device", status: "ok", tool_count: 1 },
      ],
    },
  },
  noRelay: {
    summary: "Without a relay the device's tools are unavailable, never an empty list",
    value: {
      tools: [localTimeTool],
      sources: [localSource, deviceUnavailable],
    },
  },
} satisfies Examples<typeof ToolsResponse>;

/** Keyed by tool: a route's path names the tool, so each request example says which one it is for. */
export const executeRequests = {
  local_play_music: {
    summary: "local_play_music: a local tool",
    value: { session_id: "demo-1", arguments: { song_name: "稻香" } },
  },
  local_get_time: { summary: "local_get_time: no arguments", value: { session_id: "demo-1" } },
  mcp_echo: {
    summary: "mcp_echo: an external server's tool",
    value: { session_id: "demo-1", arguments: { message: "hello" } },
  },
  self_audio_speaker_set_volume: {
    summary: "self_audio_speaker_set_volume: a device tool, with a deadline; the string becomes the integer 40",
    value: { session_id: "demo-1", arguments: { volume: "40" }, device_id: "AA:BB:CC:DD:EE:FF", timeout_ms: 10000 },
  },
} satisfies Examples<typeof ExecuteRequest>;

export const executionResults = {
  callHandler: {
    summary: "local_play_music: a handler for the gateway to run",
    value: {
      success: true,
      action: "call_handler",
      result: { func_name: "mcp_handler_play_music", args: "稻香" },
      response: null,
    },
  },
  reqLlm: {
    summary: "local_get_time: text for the LLM's next turn",
    value: { success: true, action: "req_llm", result: "当前时间是 2026-11-24 18点35分51秒，今天是Tuesday。", response: null },
  },
  external: {
    summary: "mcp_echo: the external server's text",
    value: { success: true, action: "req_llm", result: "Echo: hello", response: null },
  },
  device: {
    summary: "self_audio_speaker_set_volume: the device's text",
    value: { success: true, action: "req_llm", result: "true", response: null },
  },
  failed: {
    summary: "A failed execution is still a 200: local_exit without its argument",
    value: {
      success: false,
      action: "error",
      result: null,
      response: null,
      error: {
        code: "invalid_arguments",
        message: "invalid arguments for local_exit: arguments.say_goodbye: Invalid input: expected string, received undefined",
        details: [
          {
            field: "arguments.say_goodbye",
            rule: "invalid_type",
            message: "Invalid input: expected string, received undefined",
          },
        ],
      },
    },
  },
  deviceError: {
    summary: "The device refused the call (its message is kept)",
    value: {
      success: false,
      action: "error",
      result: null,
      response: null,
      error: { code: "tool_error", message: "Value exceeds maximum allowed: 100" },
    },
  },
} satisfies Examples<typeof ExecutionResult>;

export const deviceFrames = {
  reply: {
    summary: "The device's reply to tools/call 3",
    value: {
      type: "mcp",
      session_id: "demo-1",
      payload: { jsonrpc: "2.0", id: 3, result: { content: [{ type: "text", text: "true" }], isError: false } },
    },
  },
  notification: {
    summary: "A notification: recorded as the session's device.last_notification, never answered",
    value: {
      type: "mcp",
      session_id: "demo-1",
      payload: { jsonrpc: "2.0", method: "notifications/state_changed" },
    },
  },
} satisfies Examples<typeof DeviceFrame>;

export const messageResponses = {
  reply: { summary: "A reply the call was waiting for", value: { success: true, result: "reply to tools/call 3" } },
  notification: {
    summary: "A notification",
    value: { success: true, result: "notification notifications/state_changed recorded" },
  },
} satisfies Examples<typeof MessageResponse>;

export const serverLists = {
  none: { summary: "No external server configured (the checked-in default)", value: { servers: [] } },
  one: {
    summary: "One server, after a call",
    value: {
      servers: [
        {
          name: "everything",
          status: "ready",
          transport: "auto",
          transport_in_use: "streamable-http",
          url: "http://127.0.0.1:3001/mcp",
          tool_count: 13,
          tools_fetched_at: BOUND_AT,
          last_error: null,
          last_latency_ms: 4,
          breaker: { state: "closed", consecutive_failures: 0, retry_at: null },
        },
      ],
    },
  },
  tenant: {
    summary: "Without session_id: as the tenant's sessions last saw each server",
    value: {
      servers: [
        {
          name: "everything",
          configured: "enabled",
          transport: "auto",
          url: "http://127.0.0.1:3001/mcp",
          health: "down",
          breaker: "open",
          last_error: "everything failed 5 times in a row: calls fail fast for 30 s more, then one call probes it",
          seen_at: BOUND_AT,
          seen_by_session: "demo-1",
        },
      ],
    },
  },
} satisfies Examples<typeof ServersResponse>;
