/**
 * @module tools/external/direct-call
 * `tools/call` on a 2025-era Streamable HTTP connection, sent and read here rather than through the SDK client:
 * the hot path of every external execute. Profiled in workerd (BENCHMARKS.md), the SDK's work per request (its
 * protocol layer, two transform streams decoding the SSE answer, a zod parse of every message and of the result,
 * and the watch of the answer stream it needs, answer-watch.ts) was most of the session object's CPU per call.
 * Here the POST is read with a plain event parser, the answer is checked for the shape the service relies on, and
 * anything else the answer carries (a server's request, a notification other than this call's progress) is handed
 * to the SDK client as if its transport had read it, so its handlers act on it as before.
 *
 * Failures are thrown as the SDK's own error classes, so errors.ts sorts them as it sorts the SDK's. A
 * 2026-07-28 connection, or one on the legacy SSE transport, calls through the SDK ({@link callTool} decides).
 */
import {
  type CallToolResult,
  type FetchLike,
  isJSONRPCNotification,
  isJSONRPCRequest,
  ProtocolError,
  type RequestId,
  type RequestOptions,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { createParser } from "eventsource-parser";
import type { HttpServerConfig } from "../../config/mcp-servers";
import { parseJson } from "../../util/json";
import type { OpenedClient } from "./connect";
import { CONNECTION_CLOSED_CODE } from "./errors";

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** The content block types of the 2025 revisions, and the fields each must carry as strings. */
const CONTENT_FIELDS: Record<string, readonly string[]> = {
  text: ["text"],
  image: ["data", "mimeType"],
  audio: ["data", "mimeType"],
  resource_link: ["uri", "name"],
  resource: [],
};

/** Request ids of direct calls: strings, so they never meet the SDK client's numeric ids on the same session. */
let lastId = 0;

/** Calls `call` on `opened`: directly on a 2025-era Streamable HTTP connection, through the SDK otherwise. */
export function callTool(
  opened: OpenedClient,
  server: HttpServerConfig,
  fetch: FetchLike,
  call: ToolCall,
  options: RequestOptions,
): Promise<CallToolResult> {
  const { client, transport } = opened;
  if (!(transport instanceof StreamableHTTPClientTransport) || client.getProtocolEra() === "modern") {
    return client.callTool(call, options);
  }
  return postCall(opened, transport, server, fetch, call, options);
}

async function postCall(
  { client }: OpenedClient,
  transport: StreamableHTTPClientTransport,
  server: HttpServerConfig,
  fetch: FetchLike,
  call: ToolCall,
  options: RequestOptions,
): Promise<CallToolResult> {
  const id = `call-${++lastId}`;
  const params: Record<string, unknown> = { name: call.name, arguments: call.arguments };
  if (options.onprogress) params._meta = { progressToken: id };
  const headers = new Headers(server.headers);
  headers.set("content-type", "application/json");
  headers.set("accept", "application/json, text/event-stream");
  if (transport.sessionId !== undefined) headers.set("mcp-session-id", transport.sessionId);
  if (transport.protocolVersion !== undefined) headers.set("mcp-protocol-version", transport.protocolVersion);
  const signal = options.signal;
  // As the SDK does for a request its caller gives up on: the server is told, and stops.
  const cancel = () => {
    const reason = signal?.reason instanceof Error ? signal.reason.message : "cancelled";
    client.notification({ method: "notifications/cancelled", params: { requestId: id, reason } }).catch(() => undefined);
  };
  signal?.throwIfAborted();
  signal?.addEventListener("abort", cancel, { once: true });
  try {
    const response = await fetch(server.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params }),
      redirect: "manual",
      ...(signal ? { signal } : {}),
    });
    if (response.status >= 300 && response.status < 400) {
      // Redirects are followed by the SDK's rules (within the server's origin only); nothing was called yet.
      await response.body?.cancel();
      return await client.callTool(call, options);
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
        status: response.status,
        statusText: response.statusText,
        text,
      });
    }
    const type = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    const deliver = (message: unknown) => handOn(transport, id, message, options);
    let answer: unknown;
    if (type === "text/event-stream" && response.body) answer = await readStream(response.body, deliver);
    else if (type === "application/json") answer = findAnswer(await response.json(), deliver);
    else {
      await response.body?.cancel();
      throw new SdkError(SdkErrorCode.ConnectionClosed, `Unexpected content type: ${type ?? "none"}`);
    }
    return toResult(answer);
  } finally {
    signal?.removeEventListener("abort", cancel);
  }
}

/**
 * Reads an SSE answer until the message that answers the call (returned), handing every other message on. The
 * rest of the stream is read on in the background (its connection is reused), no longer parsed. A stream that ends
 * or breaks first is a connection-closed error, so the call ends at once rather than at its timeout.
 */
async function readStream(body: ReadableStream, deliver: (message: unknown) => boolean): Promise<unknown> {
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let answer: unknown;
  let answered = false;
  const parser = createParser({
    onEvent: (event) => {
      if (answered || (event.event !== undefined && event.event !== "message") || event.data === "") return;
      const parsed = parseJson(event.data);
      if (parsed.ok && deliver(parsed.value)) {
        answer = parsed.value;
        answered = true;
      }
    },
  });
  try {
    while (!answered) {
      const chunk = await reader.read();
      if (chunk.done) throw connectionClosed("the server ended the answer stream without answering");
      parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    if (error instanceof ProtocolError) throw error;
    throw connectionClosed(`the connection dropped before the answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  void drain(reader);
  return answer;
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // The answer is in; how the rest of its stream ends is no one's concern.
  }
}

/** The message of a JSON answer (one message, or a batch) that answers the call, handing the others on. */
function findAnswer(body: unknown, deliver: (message: unknown) => boolean): unknown {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  const answer = messages.find((message) => deliver(message));
  if (answer === undefined) throw connectionClosed("the server's answer did not answer the call");
  return answer;
}

/**
 * Whether `message` answers `id`. Anything else is handed on: this call's progress to `onprogress`, another
 * request or notification to the SDK client, as its transport would have.
 */
function handOn(transport: StreamableHTTPClientTransport, id: RequestId, message: unknown, options: RequestOptions): boolean {
  if (typeof message !== "object" || message === null) return false;
  const record = message as Record<string, unknown>;
  if (record.id === id && !("method" in record)) return true;
  if (record.method === "notifications/progress" && isProgressOf(record.params, id)) {
    const { progress, total, message: text } = record.params as { progress: number; total?: unknown; message?: unknown };
    options.onprogress?.({
      progress,
      ...(typeof total === "number" ? { total } : {}),
      ...(typeof text === "string" ? { message: text } : {}),
    });
    return false;
  }
  if (isJSONRPCRequest(message) || isJSONRPCNotification(message)) transport.onmessage?.(message);
  return false;
}

function isProgressOf(params: unknown, id: RequestId): boolean {
  if (typeof params !== "object" || params === null) return false;
  const { progressToken, progress } = params as Record<string, unknown>;
  return progressToken === id && typeof progress === "number";
}

/** The call's result from its answer: a JSON-RPC error is thrown as the SDK throws it. */
function toResult(answer: unknown): CallToolResult {
  const { result, error } = answer as { result?: unknown; error?: { code?: unknown; message?: unknown; data?: unknown } };
  if (error !== undefined) {
    if (typeof error !== "object" || error === null || typeof error.code !== "number") throw invalid("a malformed error");
    throw ProtocolError.fromError(error.code, typeof error.message === "string" ? error.message : "", error.data);
  }
  if (typeof result !== "object" || result === null || Array.isArray(result)) throw invalid("no result object");
  const record = result as Record<string, unknown>;
  const resultType = record.resultType;
  if (resultType !== undefined && resultType !== "complete") {
    throw new SdkError(
      SdkErrorCode.UnsupportedResultType,
      `Unsupported result type ${JSON.stringify(resultType)} for tools/call`,
      {
        resultType,
        method: "tools/call",
      },
    );
  }
  if (record.content === undefined && typeof record.task === "object") {
    throw new SdkError(SdkErrorCode.UnsupportedResultType, "Unsupported result type 'task' for tools/call", {
      resultType: "task",
      method: "tools/call",
    });
  }
  const content: unknown = record.content ?? [];
  if (!Array.isArray(content) || !content.every(isContentBlock)) throw invalid("content that is not a list of content blocks");
  if (record.isError !== undefined && typeof record.isError !== "boolean") throw invalid("an isError that is not a boolean");
  // A `resultType` of "complete" is the 2026-07-28 envelope's; the 2025-era result the service passes on has none.
  const answered: Record<string, unknown> = { ...record, content };
  delete answered.resultType;
  return answered as CallToolResult;
}

function isContentBlock(block: unknown): boolean {
  if (typeof block !== "object" || block === null) return false;
  const record = block as Record<string, unknown>;
  const fields = typeof record.type === "string" ? CONTENT_FIELDS[record.type] : undefined;
  if (fields === undefined) return false;
  if (record.type === "resource") {
    const resource = record.resource as Record<string, unknown> | null | undefined;
    return typeof resource === "object" && resource !== null && typeof resource.uri === "string";
  }
  return fields.every((field) => typeof record[field] === "string");
}

function invalid(what: string): SdkError {
  return new SdkError(SdkErrorCode.InvalidResult, `Invalid result for tools/call: ${what}`, { method: "tools/call" });
}

function connectionClosed(message: string): ProtocolError {
  return new ProtocolError(CONNECTION_CLOSED_CODE, message);
}
