/**
 * @module tools/external/answer-watch
 * Ends a Streamable HTTP request as soon as the stream that was to carry its answer drops.
 *
 * A server may answer a POST with an SSE stream that carries the answer. When that stream breaks (the server
 * was killed, the TCP connection reset) or ends before the answer, the SDK's transport only reports an error:
 * the request itself waits out its whole timeout. {@link watchAnswers} wraps the transport's fetch: it reads a
 * copy of each such stream, and when the stream ends without the answer to a request it carried, it reports
 * that request's id. The connection then answers the request itself with a JSON-RPC error of the connection-closed code
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
import { EventSourceParserStream } from "eventsource-parser/stream";
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
    const ids = requestIds(init?.body);
    const type = response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
    if (ids.size === 0 || !response.ok || !response.body || type !== "text/event-stream") return response;
    const [kept, watched] = response.body.tee();
    void watch(watched, ids, init?.signal ?? undefined, onLost);
    return new Response(kept, { status: response.status, statusText: response.statusText, headers: response.headers });
  };
}

/** Answers each of `ids` on `transport` with a connection-closed error saying `reason`, as if the server had. */
export function answerLost(transport: StreamableHTTPClientTransport, ids: readonly RequestId[], reason: string): void {
  for (const id of ids) {
    const answer: JSONRPCMessage = { jsonrpc: "2.0", id, error: { code: CONNECTION_CLOSED_CODE, message: reason } };
    transport.onmessage?.(answer);
  }
}

/** Reads `stream` to its end, crossing off each id answered; reports the ids left unless `signal` ended it. */
async function watch(
  stream: ReadableStream,
  ids: Set<RequestId>,
  signal: AbortSignal | undefined,
  onLost: OnAnswersLost,
): Promise<void> {
  let reason = "the server ended the answer stream without answering";
  try {
    const events = stream.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream()).getReader();
    for (;;) {
      const { value, done } = await events.read();
      if (done) break;
      if (value.event !== undefined && value.event !== "message") continue;
      const id = answeredId(value.data);
      if (id !== undefined) ids.delete(id);
    }
  } catch (error) {
    reason = `the connection dropped before the answer: ${upstreamMessage(error)}`;
  }
  if (ids.size > 0 && !signal?.aborted) onLost([...ids], reason);
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
  const parsed = parseJson(data);
  if (!parsed.ok) return undefined;
  const message = parsed.value;
  return isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message) ? (message.id ?? undefined) : undefined;
}
