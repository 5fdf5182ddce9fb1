/**
 * @module tools/endpoint/frames
 * The endpoint's framing, as tolerant as the XiaoZhi pipes need: a frame is text or binary UTF-8, may end with
 * a newline (mcp_pipe.py forwards each stdout line with it), and may hold a stray non-JSON line the child
 * printed. Each line is read on its own; what is not a well-formed JSON-RPC 2.0 message is ignored, a reply
 * without an id included (xiaozhi-client answers `notifications/initialized` with one). Id 0 is an id.
 * Outgoing messages are compact single-line JSON, one per frame, never a batch.
 */
import { MAX_ENDPOINT_FRAME_BYTES } from "../../contract/endpoint";
import { parseJson } from "../../util/json";
import { utf8SizeOver } from "../../util/text";

type Id = number | string;

/** A well-formed JSON-RPC message from the tool side. */
export type EndpointMessage =
  | { kind: "request"; id: Id; method: string; params: unknown }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "result"; id: Id; result: Record<string, unknown> }
  | { kind: "error"; id: Id; code: number | null; message: string };

/** A frame's lines, or its size when it is over {@link MAX_ENDPOINT_FRAME_BYTES}. */
export type FrameRead = { ok: true; lines: string[] } | { ok: false; bytes: number };

const decoder = new TextDecoder();

/** The non-empty lines of a frame, text or binary. */
export function readFrame(message: string | ArrayBuffer): FrameRead {
  if (typeof message !== "string" && message.byteLength > MAX_ENDPOINT_FRAME_BYTES) {
    return { ok: false, bytes: message.byteLength };
  }
  const text = typeof message === "string" ? message : decoder.decode(message);
  const over = utf8SizeOver(text, MAX_ENDPOINT_FRAME_BYTES);
  if (over !== null) return { ok: false, bytes: over };
  return { ok: true, lines: text.split(/\r?\n/).filter((line) => line.trim() !== "") };
}

/** The message `line` holds; null for anything else (a stray line, an id-less reply, a batch). */
export function parseMessage(line: string): EndpointMessage | null {
  const parsed = parseJson(line);
  if (!parsed.ok || !isRecord(parsed.value) || parsed.value.jsonrpc !== "2.0") return null;
  const message = parsed.value;
  const id = isId(message.id) ? message.id : undefined;
  if (typeof message.method === "string" && message.method !== "") {
    if (id !== undefined) return { kind: "request", id, method: message.method, params: message.params };
    return message.id === undefined ? { kind: "notification", method: message.method, params: message.params } : null;
  }
  if (id === undefined) return null;
  if (isRecord(message.result) && message.error === undefined) return { kind: "result", id, result: message.result };
  if (isRecord(message.error) && message.result === undefined) {
    const { code, message: text } = message.error;
    return {
      kind: "error",
      id,
      code: typeof code === "number" ? code : null,
      message: typeof text === "string" ? text : "error without a message",
    };
  }
  return null;
}

/** A request from the service, as one compact line. */
export function encodeRequest(id: number, method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: "2.0", id, method, params });
}

/** A notification from the service, as one compact line. */
export function encodeNotification(method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: "2.0", method, params });
}

/** The answer to a request the tool side sent: `ping` → `{}`, `roots/list` → no roots, anything else → -32601. */
export function answerToolSideRequest(request: { id: Id; method: string }): string {
  switch (request.method) {
    case "ping":
      return JSON.stringify({ jsonrpc: "2.0", id: request.id, result: {} });
    case "roots/list":
      return JSON.stringify({ jsonrpc: "2.0", id: request.id, result: { roots: [] } });
    default:
      return JSON.stringify({
        jsonrpc: "2.0",
        id: request.id,
        error: { code: -32601, message: `method not found: ${request.method}` },
      });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isId(value: unknown): value is Id {
  return (typeof value === "number" && Number.isInteger(value)) || typeof value === "string";
}
