/**
 * @module tools/device/frames
 * Reading and writing the device's frames (their schemas are the contract's, see contract/device-frames):
 * taking a relay message as a frame (size first, so an oversized one costs nothing to refuse), parsing it into
 * the message it carries, and encoding a request to the device.
 *
 * ## Oversized frames
 * A frame over {@link MAX_DEVICE_FRAME_BYTES} is refused unread. When it is a reply laid out as the firmware
 * writes it (`{"session_id":…,"type":"mcp","payload":{"jsonrpc":"2.0","id":N,…`), the id is read from its first
 * bytes, so the request it answers can fail at once instead of waiting out its timeout; a frame laid out any
 * other way is only dropped.
 */
import { classifyPayload, DeviceFrame, type DeviceMessage } from "../../contract/device-frames";
import { MAX_DEVICE_FRAME_BYTES, MAX_QUOTED_DEVICE_TEXT_CHARS } from "../../contract/limits";
import { parseJson } from "../../util/json";
import { clip, utf8SizeOver } from "../../util/text";
import { fieldIssues, summarizeIssues } from "../../validation";

/** Why a frame from the device was dropped: the categories the drop summary counts. */
export const FrameDrop = {
  oversized: "oversized",
  binary: "binary",
  notJson: "not_json",
  invalid: "invalid",
  /** A reply no request is waiting for (late, or not ours). */
  unmatched: "unmatched",
  notificationTooLarge: "notification_too_large",
  /** It came on a relay a newer one has replaced. */
  replacedRelay: "replaced_relay",
} as const;
export type FrameDrop = (typeof FrameDrop)[keyof typeof FrameDrop];

export type FrameParse =
  | { ok: true; message: DeviceMessage }
  | {
      ok: false;
      drop: FrameDrop;
      reason: string;
      /** The id of the reply an oversized frame carried, when it could be read from its first bytes. */
      replyTo?: number;
    };

/** The leading bytes the id of an oversized reply is looked for in. */
const ID_PREFIX_CHARS = 256;
/** The firmware's reply, as it writes it: the envelope's string members, then `payload` with `jsonrpc` and `id`. */
const LEADING_REPLY_ID =
  /^\s*\{\s*(?:"(?:type|session_id)"\s*:\s*"[^"\\]*"\s*,\s*)*"payload"\s*:\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(\d{1,10})\s*[,}]/;

/** Takes a relay message as a frame: text within the size limit, parsed; anything else refused with its reason. */
export function parseRelayMessage(message: string | ArrayBuffer): FrameParse {
  if (typeof message !== "string") {
    const reason = `binary frame of ${message.byteLength} bytes: device frames are text`;
    return { ok: false, drop: FrameDrop.binary, reason };
  }
  const over = utf8SizeOver(message, MAX_DEVICE_FRAME_BYTES);
  if (over !== null) {
    const refused: FrameParse = { ok: false, drop: FrameDrop.oversized, reason: oversizedReason(over) };
    const id = LEADING_REPLY_ID.exec(message.slice(0, ID_PREFIX_CHARS))?.[1];
    if (id !== undefined) refused.replyTo = Number(id);
    return refused;
  }
  return parseFrameText(message);
}

/** Why a frame of `bytes` (at least) is refused. */
export function oversizedReason(bytes: number): string {
  return `frame of ${bytes}+ bytes is over the ${MAX_DEVICE_FRAME_BYTES}-byte limit`;
}

/** Parses a frame received as text on the relay: a frame that is not JSON is refused with the parser's reason. */
export function parseFrameText(text: string): FrameParse {
  const json = parseJson(text);
  if (json.ok) return parseFrame(json.value);
  return { ok: false, drop: FrameDrop.notJson, reason: clip(`not JSON: ${json.error}`, MAX_QUOTED_DEVICE_TEXT_CHARS) };
}

/** Parses a frame already decoded from JSON (the relay's text, or the body of `POST .../messages`). */
export function parseFrame(input: unknown): FrameParse {
  const parsed = DeviceFrame.safeParse(input);
  if (!parsed.success) {
    return {
      ok: false,
      drop: FrameDrop.invalid,
      reason: clip(summarizeIssues(fieldIssues(parsed.error)), MAX_QUOTED_DEVICE_TEXT_CHARS),
    };
  }
  const message = classifyPayload(parsed.data.payload);
  // The schema's refinement has already refused payloads that classify to nothing.
  return message
    ? { ok: true, message }
    : { ok: false, drop: FrameDrop.invalid, reason: "payload: not a reply or a notification" };
}

/** The text frame of a request to the device, which the gateway forwards as is. */
export function encodeRequest(sessionId: string, id: number, method: string, params?: Record<string, unknown>): string {
  const payload: Record<string, unknown> = { jsonrpc: "2.0", id, method };
  if (params !== undefined) payload.params = params;
  return JSON.stringify({ type: "mcp", session_id: sessionId, payload });
}
