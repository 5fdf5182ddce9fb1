/**
 * @module tools/external/answer-watch
 * Ends a Streamable HTTP request as soon as the stream that was to carry its answer drops.
 *
 * A server may answer a POST with an SSE stream that carries the answer. When that stream breaks (the server
 * was killed, the TCP connection reset) or ends before the answer, the SDK's transport only reports an error:
 * the request itself waits out its whole timeout. {@link watchAnswers} wraps the transport's fetch: each such
 * stream reaches the SDK through a pass-through that looks at its bytes on the way (no copy of the stream, no second
 * reader), and when the stream ends without the answer to a request it carried, it reports that request's id.
 * Once every request the stream carried is answered, the bytes are no longer decoded at all: the profile of an
 * external call (BENCHMARKS.md) showed the earlier watch, a teed copy parsed to its end, as a quarter of the
 * Worker's CPU per call. The connection then answers the request itself with a JSON-RPC error of the connection-closed code
 * ({@link answerLost}), so the call ends at once as `upstream_unavailable`.
 *
 * The service does not resume a dropped answer stream (the spec's `Last-Event-ID` replay): a server that
 * broke the stream is taken as gone, and the caller decides whether to call again.
 */
import {
  type FetchLike,
  isJSONRPCErrorResponse,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
  type StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { createParser } from "eventsource-parser";
import { mediaType } from "../../util/http";
import { parseJson } from "../../util/json";
import { CONNECTION_CLOSED_CODE, upstreamMessage } from "./errors";

/** Requests whose answer stream ended without their answer, and how it ended. */
export type OnAnswersLost = (ids: readonly RequestId[], reason: string) => void;

/**
 * A fetch that watches the SSE answer streams of POSTed requests and reports, through `onLost`, those that end
 * without the answer. Nothing is reported for a request its caller aborted (the connection closed it).
 */
export function watchAnswers(onLost: OnAnswersLost, baseFetch: FetchLike = fetch): FetchLike {
  return async (url, init) => {
    const response = await baseFetch(url, init);
    if (!response.ok || !response.body || mediaType(response) !== "text/event-stream") return response;
    const ids = requestIds(init?.body);
    if (ids.size === 0) return response;
    const watched = watch(response.body, ids, init?.signal ?? undefined, onLost);
    return new Response(watched, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** Answers each of `ids` on `transport` with a connection-closed error saying `reason`, as if the server had. */
export function answerLost(transport: StreamableHTTPClientTransport, ids: readonly RequestId[], reason: string): void {
  for (const id of ids) {
    const answer: JSONRPCMessage = { jsonrpc: "2.0", id, error: { code: CONNECTION_CLOSED_CODE, message: reason } };
    transport.onmessage?.(answer);
  }
}

/**
 * `stream`, passed through as it is read, crossing off each id answered on the way; once it ends or fails, reports
 * the ids left unless `signal` ended it, or it ended cleanly after an event id (the SDK resumes that one with
 * `Last-Event-ID`). A failure still reaches the reader.
 */
function watch(
  stream: ReadableStream,
  ids: Set<RequestId>,
  signal: AbortSignal | undefined,
  onLost: OnAnswersLost,
): ReadableStream<Uint8Array> {
  const reader = (stream as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  // A stream that gave its events ids and then ends cleanly is one the SDK resumes (2025-11-25 polling).
  let resumable = false;
  const parser = createParser({
    onEvent: (event) => {
      if (event.id !== undefined) resumable = true;
      if (event.event !== undefined && event.event !== "message") return;
      const id = answeredId(event.data);
      if (id !== undefined) ids.delete(id);
    },
  });
  const report = (reason: string) => {
    if (ids.size > 0 && !signal?.aborted) onLost([...ids], reason);
  };
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (error) {
        report(`the connection dropped before the answer: ${upstreamMessage(error)}`);
        throw error;
      }
      if (chunk.done) {
        if (!resumable) report("the server ended the answer stream without answering");
        controller.close();
        return;
      }
      // Only while a request waits for its answer: after that the bytes just pass.
      if (ids.size > 0) parser.feed(decoder.decode(chunk.value, { stream: true }));
      controller.enqueue(chunk.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** The ids of the JSON-RPC requests in a POST body (the SDK sends one message, or a batch, as a string). */
function requestIds(body: RequestInit["body"]): Set<RequestId> {
  const parsed = typeof body === "string" ? parseJson(body) : undefined;
  if (!parsed?.ok) return new Set();
  const messages: unknown[] = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
  return new Set(messages.filter(isJSONRPCRequest).map((request) => request.id));
}

/** The id of the answer (a result or an error) an SSE event carries; undefined for anything else. */
function answeredId(data: string): RequestId | undefined {
  // A notification or a server's request (progress, sampling) carries `method`, an answer never: not parsed.
  if (!data.includes('"result"') && !data.includes('"error"')) return undefined;
  const parsed = parseJson(data);
  if (!parsed.ok) return undefined;
  const message = parsed.value;
  return isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? (message.id ?? undefined) : undefined;
}
