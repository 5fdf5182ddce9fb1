/**
 * @module tools/external/direct-call
 * `tools/call` on a 2025-era Streamable HTTP connection, sent and read here rather than through the SDK client:
 * the hot path of every external execute. Profiled in workerd (BENCHMARKS.md), the SDK's work per request (its
 * protocol layer, two transform streams decoding the SSE answer, a zod parse of every message and of the result,
 * and the watch of the answer stream it needs, answer-watch.ts) was most of the session object's CPU per call.
 * Here the POST is read with a plain event parser, the answer is checked for the shape the service relies on
 * (direct-result.ts), and anything else the answer carries (a server's request, a notification other than this
 * call's progress) is handed to the SDK client as if its transport had read it, so its handlers act on it as before.
 *
 * A stream the server ends cleanly after giving its events ids, without the answer yet, is the 2025-11-25 polling
 * pattern: the call resumes with a GET carrying `Last-Event-ID`, after the server's `retry` delay. A stream that
 * breaks, or ends before any id, ends the call at once (`upstream_answer_stream_dropped`), as does the connection
 * dropping the client (its `lifetime`).
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
import type { Logger } from "../../observability/log";
import { sleep } from "../../util/abort";
import { mediaType } from "../../util/http";
import { parseJson } from "../../util/json";
import type { OpenedClient } from "./connect";
import { toResult } from "./direct-result";
import { CONNECTION_CLOSED_CODE, upstreamMessage } from "./errors";

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

/** How the calls reach a server: its entry, the fetch requests go out with, the log their drops are written to. */
export interface UpstreamRoute {
  server: HttpServerConfig;
  fetch: FetchLike;
  logger: Logger;
}

/** How long to wait before resuming a polled answer stream when the server gave no `retry` (the SDK's default). */
const DEFAULT_RETRY_MS = 1000;

/**
 * Request ids of direct calls: strings, so they never meet the SDK client's numeric ids on the same session, and
 * with a prefix of this isolate's, so a session resumed by a woken object does not see an id again. (Made on the
 * first call: a Worker may not generate random values at its global scope.)
 */
let idPrefix: string | undefined;
let lastId = 0;

function nextId(): string {
  idPrefix ??= `call-${crypto.randomUUID().slice(0, 8)}-`;
  return `${idPrefix}${++lastId}`;
}

/** Calls `call` on `opened`: directly on a 2025-era Streamable HTTP connection, through the SDK otherwise. */
export function callTool(
  opened: OpenedClient,
  route: UpstreamRoute,
  call: ToolCall,
  options: RequestOptions,
): Promise<CallToolResult> {
  const { client, transport } = opened;
  if (!(transport instanceof StreamableHTTPClientTransport) || client.getProtocolEra() === "modern") {
    return client.callTool(call, options);
  }
  return postCall(opened, transport, route, call, options);
}

async function postCall(
  opened: OpenedClient,
  transport: StreamableHTTPClientTransport,
  route: UpstreamRoute,
  call: ToolCall,
  options: RequestOptions,
): Promise<CallToolResult> {
  const { client } = opened;
  const id = nextId();
  const params: Record<string, unknown> = { name: call.name, arguments: call.arguments };
  if (options.onprogress) params._meta = { progressToken: id };
  const callerSignal = options.signal;
  // The request and its stream end when the caller stops waiting, or when the connection drops the client.
  const signal = callerSignal ? AbortSignal.any([callerSignal, opened.lifetime.signal]) : opened.lifetime.signal;
  // As the SDK does for a request its caller gives up on: the server is told, and stops.
  const cancel = () => {
    const reason = callerSignal?.reason instanceof Error ? callerSignal.reason.message : "cancelled";
    client.notification({ method: "notifications/cancelled", params: { requestId: id, reason } }).catch(() => undefined);
  };
  callerSignal?.throwIfAborted();
  callerSignal?.addEventListener("abort", cancel, { once: true });
  try {
    const headers = requestHeaders(route.server, transport, "application/json", "text/event-stream");
    headers.set("content-type", "application/json");
    const response = await route.fetch(route.server.url, {
      method: "POST",
      headers,
      body: JSON.stringify({ jsonrpc: "2.0", id, method: "tools/call", params }),
      redirect: "manual",
      signal,
    });
    if (response.status >= 300 && response.status < 400) {
      // Redirects are followed by the SDK's rules (within the server's origin only); nothing was called yet.
      await response.body?.cancel();
      callerSignal?.removeEventListener("abort", cancel);
      return await client.callTool(call, options);
    }
    await refuseFailed(response);
    const deliver = (message: unknown) => handOn(transport, id, message, options);
    const type = mediaType(response);
    if (type === "application/json") return toResult(findAnswer(await response.json(), deliver));
    if (type !== "text/event-stream") {
      await response.body?.cancel();
      throw new SdkError(SdkErrorCode.ConnectionClosed, `Unexpected content type: ${type ?? "none"}`);
    }
    return toResult(await followStream(response, route, transport, id, deliver, signal));
  } finally {
    callerSignal?.removeEventListener("abort", cancel);
  }
}

/**
 * The answer to call `id` from its SSE stream, resuming the stream (GET with `Last-Event-ID`) for as long as the
 * server ends it cleanly after an event id without answering (polling). Anything else that ends the stream first is
 * a connection-closed error, written to the log.
 */
async function followStream(
  response: Response,
  route: UpstreamRoute,
  transport: StreamableHTTPClientTransport,
  id: RequestId,
  deliver: (message: unknown) => boolean,
  signal: AbortSignal,
): Promise<unknown> {
  let read = await readStream(response.body, deliver);
  while (read.kind === "resumable") {
    await sleep(read.retryMs ?? DEFAULT_RETRY_MS, signal);
    const headers = requestHeaders(route.server, transport, "text/event-stream");
    headers.set("last-event-id", read.lastEventId);
    const resumed = await route.fetch(route.server.url, { method: "GET", headers, redirect: "manual", signal });
    await refuseFailed(resumed);
    const type = mediaType(resumed);
    if (type === "text/event-stream") read = await readStream(resumed.body, deliver);
    else {
      await resumed.body?.cancel();
      read = { kind: "lost", reason: `the server resumed the answer stream as ${type ?? "no content type"}` };
    }
  }
  if (read.kind === "answered") return read.answer;
  route.logger.warn("upstream_answer_stream_dropped", { server: route.server.name, requests: [id], reason: read.reason });
  throw new ProtocolError(CONNECTION_CLOSED_CODE, read.reason);
}

type StreamRead =
  | { kind: "answered"; answer: unknown }
  | { kind: "resumable"; lastEventId: string; retryMs: number | undefined }
  | { kind: "lost"; reason: string };

/**
 * Reads an SSE stream until the message that answers the call, handing every other message on. The rest of the
 * stream is read on in the background (its connection is reused), no longer parsed.
 */
async function readStream(body: ReadableStream | null, deliver: (message: unknown) => boolean): Promise<StreamRead> {
  if (!body) return { kind: "lost", reason: "the server answered with an event stream without a body" };
  const reader = (body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let answer: { value: unknown } | undefined;
  let lastEventId: string | undefined;
  let retryMs: number | undefined;
  const parser = createParser({
    onEvent: (event) => {
      if (event.id !== undefined) lastEventId = event.id;
      if ((event.event !== undefined && event.event !== "message") || event.data === "") return;
      const parsed = parseJson(event.data);
      // Messages after the answer in the same read are still handed on; an answer comes once.
      if (parsed.ok && deliver(parsed.value) && answer === undefined) answer = { value: parsed.value };
    },
    onRetry: (ms) => (retryMs = ms),
  });
  try {
    while (answer === undefined) {
      const chunk = await reader.read();
      if (chunk.done) {
        if (lastEventId !== undefined) return { kind: "resumable", lastEventId, retryMs };
        return { kind: "lost", reason: "the server ended the answer stream without answering" };
      }
      parser.feed(decoder.decode(chunk.value, { stream: true }));
    }
  } catch (error) {
    reader.cancel().catch(() => undefined);
    return { kind: "lost", reason: `the connection dropped before the answer: ${upstreamMessage(error)}` };
  }
  void drain(reader);
  return { kind: "answered", answer: answer.value };
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // The answer is in; how the rest of its stream ends (the connection dropping the client, say) is no one's concern.
  }
}

/** The message of a JSON answer (one message, or a batch) that answers the call; every other one is handed on. */
function findAnswer(body: unknown, deliver: (message: unknown) => boolean): unknown {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  const answers = messages.filter((message) => deliver(message));
  if (answers.length === 0) throw new ProtocolError(CONNECTION_CLOSED_CODE, "the server's answer did not answer the call");
  return answers[0];
}

/**
 * Whether `message` answers `id`. Anything else is handed on: this call's progress to `onprogress`, another
 * request or notification to the SDK client, as its transport would have. A handler that throws is the handler's
 * failure, not the stream's: the stream is read on.
 */
function handOn(transport: StreamableHTTPClientTransport, id: RequestId, message: unknown, options: RequestOptions): boolean {
  if (typeof message !== "object" || message === null) return false;
  const record = message as Record<string, unknown>;
  if (record.id === id && !("method" in record)) return true;
  try {
    if (record.method === "notifications/progress" && isProgressOf(record.params, id)) {
      const { progress, total, message: text } = record.params as { progress: number; total?: unknown; message?: unknown };
      options.onprogress?.({
        progress,
        ...(typeof total === "number" ? { total } : {}),
        ...(typeof text === "string" ? { message: text } : {}),
      });
    } else if (isJSONRPCRequest(message) || isJSONRPCNotification(message)) {
      transport.onmessage?.(message);
    }
  } catch (error) {
    transport.onerror?.(error instanceof Error ? error : new Error(String(error)));
  }
  return false;
}

function isProgressOf(params: unknown, id: RequestId): boolean {
  if (typeof params !== "object" || params === null) return false;
  const { progressToken, progress } = params as Record<string, unknown>;
  return progressToken === id && typeof progress === "number";
}

/** The headers of a request on `transport`'s session, accepting `accepted` besides what the server's entry accepts. */
function requestHeaders(server: HttpServerConfig, transport: StreamableHTTPClientTransport, ...accepted: string[]): Headers {
  const headers = new Headers(server.headers);
  const configured =
    headers
      .get("accept")
      ?.split(",")
      .map((type) => type.trim().toLowerCase()) ?? [];
  headers.set("accept", [...new Set([...configured, ...accepted])].join(", "));
  if (transport.sessionId !== undefined) headers.set("mcp-session-id", transport.sessionId);
  if (transport.protocolVersion !== undefined) headers.set("mcp-protocol-version", transport.protocolVersion);
  return headers;
}

/** Throws a refused request as the SDK's transport does (errors.ts reads its status: 404 is a forgotten session). */
async function refuseFailed(response: Response): Promise<void> {
  if (response.ok) return;
  const text = await response.text().catch(() => "");
  throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, {
    status: response.status,
    statusText: response.statusText,
    text,
  });
}
