/**
 * @module api/rest/events-stream
 * The gateway's Server-Sent Events stream of a session's events, served by the Worker from the listener socket
 * the session object accepted (durable-objects/session-events.ts says why the object never streams itself).
 *
 * ## The stream
 * - It opens with `retry:` ({@link RECONNECT_DELAY_MS}): how long an `EventSource` waits before reconnecting.
 * - Each event is `id:`, `event:` and `data:` (one line of JSON); `events_lost` has no id.
 * - A comment (`: keep-alive`) every {@link KEEP_ALIVE_MS} keeps proxies from closing an idle connection. It
 *   is the Worker's own: the session object, hibernating meanwhile, never sees it.
 * - It ends when the session ends (after `session_ended`) or its object restarts: the gateway reconnects with
 *   `Last-Event-ID`. When the gateway goes away, the listener socket is closed.
 */
import { z } from "zod";
import { parseJson } from "../../util/json";

/** How long a client should wait before reconnecting, sent as the stream's `retry:`. */
export const RECONNECT_DELAY_MS = 2_000;
/** How often an idle stream gets a comment. */
export const KEEP_ALIVE_MS = 25_000;

/** The headers of the stream: not cached, not buffered by proxies. */
const STREAM_HEADERS = {
  "Content-Type": "text/event-stream; charset=utf-8",
  "Cache-Control": "no-cache, no-transform",
  "X-Accel-Buffering": "no",
};

/** A frame as the session sends it on the listener socket (contract/events `EventFrame`). */
const SocketFrame = z.object({ id: z.number().int().optional(), event: z.string(), data: z.unknown() });
export type SocketFrame = z.infer<typeof SocketFrame>;

/** The session's frame `text` as a frame; null when it is not one. */
export function socketFrame(text: unknown): SocketFrame | null {
  const parsed = typeof text === "string" ? parseJson(text) : null;
  const frame = SocketFrame.safeParse(parsed?.ok ? parsed.value : null);
  return frame.success ? frame.data : null;
}

/** One event as SSE lines. */
export function sseFrame(frame: SocketFrame): string {
  const id = frame.id === undefined ? "" : `id: ${frame.id}\n`;
  return `${id}event: ${frame.event}\ndata: ${JSON.stringify(frame.data)}\n\n`;
}

/**
 * The SSE response that relays the frames of the session's listener socket `socket` (not accepted yet), each as
 * `format` writes it (null: the frame is not sent); by default as the session's events.
 */
export function eventStream(socket: WebSocket, format: (frame: SocketFrame) => string | null = sseFrame): Response {
  const encoder = new TextEncoder();
  let keepAlive: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    clearInterval(keepAlive);
    try {
      socket.close(1000, "the listener left");
    } catch {
      // Already closed.
    }
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const write = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      socket.addEventListener("message", (event) => {
        const frame = socketFrame(event.data);
        const text = frame === null ? null : format(frame);
        if (text !== null) write(text);
      });
      // The session's side closed or failed: the stream ends, and the gateway reconnects with Last-Event-ID.
      const end = () => {
        stop();
        try {
          controller.close();
        } catch {
          // Already cancelled by the client, or closed by the other of the two events.
        }
      };
      socket.addEventListener("close", end);
      socket.addEventListener("error", end);
      socket.accept();
      write(`retry: ${RECONNECT_DELAY_MS}\n\n`);
      keepAlive = setInterval(() => write(": keep-alive\n\n"), KEEP_ALIVE_MS);
    },
    cancel: stop,
  });
  return new Response(body, { status: 200, headers: STREAM_HEADERS });
}
