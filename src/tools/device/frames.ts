/**
 * @module tools/device/frames
 * Reading and writing the device's frames (their schemas are the contract's, see contract/device-frames):
 * parsing a received frame into the message it carries, and encoding a request to the device.
 */
import { classifyPayload, DeviceFrame, type DeviceMessage } from "../../contract/device-frames";
import { parseJson } from "../../util/json";
import { fieldIssues, summarizeIssues } from "../../validation";

export type FrameParse = { ok: true; message: DeviceMessage } | { ok: false; reason: string };

/** Parses a frame received as text on the relay: a frame that is not JSON is refused with the parser's reason. */
export function parseFrameText(text: string): FrameParse {
  const json = parseJson(text);
  return json.ok ? parseFrame(json.value) : { ok: false, reason: `not JSON: ${json.error}` };
}

/** Parses a frame already decoded from JSON (the relay's text, or the body of `POST .../messages`). */
export function parseFrame(input: unknown): FrameParse {
  const parsed = DeviceFrame.safeParse(input);
  if (!parsed.success) return { ok: false, reason: summarizeIssues(fieldIssues(parsed.error)) };
  const message = classifyPayload(parsed.data.payload);
  // The schema's refinement has already refused payloads that classify to nothing.
  return message ? { ok: true, message } : { ok: false, reason: "payload: not a reply or a notification" };
}

/** The text frame of a request to the device, which the gateway forwards as is. */
export function encodeRequest(sessionId: string, id: number, method: string, params?: Record<string, unknown>): string {
  const payload: Record<string, unknown> = { jsonrpc: "2.0", id, method };
  if (params !== undefined) payload.params = params;
  return JSON.stringify({ type: "mcp", session_id: sessionId, payload });
}
