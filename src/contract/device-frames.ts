/**
 * @module contract/device-frames
 * The device's MCP frames, as the XiaoZhi firmware really sends and reads them: a text frame
 * `{"type": "mcp", "session_id": ..., "payload": {JSON-RPC 2.0}}`.
 *
 * - Device → service: replies (a numeric `id` with `result` or `error`; the error has a `message` and, in
 *   current firmware, no `code`) and notifications (a `method` without `id`). The device never sends requests.
 * - Service → device: requests with a numeric id (the firmware ignores anything else). The firmware reads
 *   only `payload`; `session_id` is the gateway's session id, as xiaozhi-server-go sends it.
 */
import { z } from "@hono/zod-openapi";

/** A JSON-RPC error from the device. Firmware main sends only `message`; other builds add `code`. */
export const DeviceRpcError = z.looseObject({
  message: z.string(),
  code: z.number().int().optional(),
  data: z.unknown().optional(),
});
export type DeviceRpcError = z.infer<typeof DeviceRpcError>;

const JsonObject = z.record(z.string(), z.unknown());

/** What a device frame says, once parsed. */
export type DeviceMessage =
  | { kind: "result"; id: number; result: Record<string, unknown> }
  | { kind: "error"; id: number; error: DeviceRpcError }
  | { kind: "notification"; method: string; params: Record<string, unknown> | undefined };

/** The JSON-RPC message inside a device frame: a reply or a notification, nothing else. */
export const DevicePayload = z
  .looseObject({
    jsonrpc: z.literal("2.0"),
    id: z.number().int().optional(),
    method: z.string().min(1).optional(),
    params: JsonObject.optional(),
    result: JsonObject.optional(),
    error: DeviceRpcError.optional(),
  })
  .superRefine((payload, ctx) => {
    if (classifyPayload(payload) === undefined) {
      ctx.addIssue({
        code: "custom",
        message: "expected a reply (numeric id with result or error) or a notification (method without id)",
      });
    }
  });
export type DevicePayload = z.infer<typeof DevicePayload>;

/** A frame from the device, exactly as the gateway forwards it. Unknown fields are allowed and ignored. */
export const DeviceFrame = z.looseObject({
  type: z.literal("mcp"),
  session_id: z.string().optional(),
  payload: DevicePayload,
});
export type DeviceFrame = z.infer<typeof DeviceFrame>;

/** The message a payload carries: a reply (result or error) or a notification; undefined for anything else. */
export function classifyPayload(payload: {
  id?: number | undefined;
  method?: string | undefined;
  params?: Record<string, unknown> | undefined;
  result?: Record<string, unknown> | undefined;
  error?: DeviceRpcError | undefined;
}): DeviceMessage | undefined {
  const { id, method, result, error } = payload;
  if (id !== undefined && method === undefined) {
    if (result !== undefined && error === undefined) return { kind: "result", id, result };
    if (error !== undefined && result === undefined) return { kind: "error", id, error };
    return undefined;
  }
  if (id === undefined && method !== undefined && result === undefined && error === undefined) {
    return { kind: "notification", method, params: payload.params };
  }
  return undefined;
}

/** What became of a frame from the device (answered to `POST .../messages`, and logged when dropped). */
export const FrameReceipt = z.object({ handled: z.boolean(), result: z.string() });
export type FrameReceipt = z.infer<typeof FrameReceipt>;

/**
 * A tool as the device lists it (`McpTool::to_json`), with what MCP lets a tool declare besides (`title`,
 * `annotations` such as the firmware's `audience`, `outputSchema`, `icons`, `_meta`) when the device declares it:
 * a declared field of the wrong type is dropped, not the tool.
 */
export const DeviceTool = z.looseObject({
  name: z.string().min(1),
  description: z.string().default(""),
  inputSchema: z
    .looseObject({
      type: z.literal("object").default("object"),
      properties: JsonObject.optional(),
      required: z.array(z.string()).optional(),
    })
    .default({ type: "object" }),
  title: z.string().optional().catch(undefined),
  annotations: JsonObject.optional().catch(undefined),
  outputSchema: JsonObject.optional().catch(undefined),
  icons: z.array(z.unknown()).optional().catch(undefined),
  _meta: JsonObject.optional().catch(undefined),
});
export type DeviceTool = z.infer<typeof DeviceTool>;

/** One page of `tools/list`: `nextCursor` (the name of the next page's first tool) is absent on the last. */
export const ToolsListPage = z.looseObject({
  tools: z.array(z.unknown()),
  nextCursor: z.string().optional(),
});

/** A `tools/call` result: firmware puts the tool's return value in one text item, `isError` always false. */
export const DeviceCallResult = z.looseObject({
  content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).default([]),
  isError: z.boolean().optional(),
});
export type DeviceCallResult = z.infer<typeof DeviceCallResult>;
