/**
 * @module api/mcp/notifications
 * `notifications/tools/list_changed` for the MCP clients of a session, from the session's own event log: every
 * `tools_changed` event (a source's tool count changed: the device's tools arrived or changed, an upstream's
 * `list_changed`, a server went down or came back) becomes one notification. Nothing here detects a change
 * itself; the client listens the way `GET .../events` does, over a listener socket of the session's object.
 *
 * - 2025-era clients: {@link listChangedStream}, the endpoint's GET stream (SSE of JSON-RPC notifications, each
 *   with its event id, so a client that reconnects with `Last-Event-ID` gets what it missed).
 * - 2026-07-28 clients: {@link sessionEventBus}, the bus the SDK's `subscriptions/listen` streams subscribe to.
 */
import type { ServerEventBus, ServerEvent } from "@modelcontextprotocol/server";
import { LastEventId } from "../../contract/events";
import { fieldIssues, invalidRequest } from "../../validation";
import { eventStream, socketFrame, type SocketFrame } from "../rest/events-stream";

/** The notification a `tools_changed` event is to an MCP client. */
const LIST_CHANGED = { jsonrpc: "2.0", method: "notifications/tools/list_changed" } as const;

/** Opens a listener of the session (see session-calls' `listenToSession`), after the event id given. */
export type OpenListener = (after: number) => Promise<Response>;

/**
 * Where a new listener starts: event ids are never below the time they were logged at (event-storage.ts), so
 * starting after "now" also replays a change logged while the listener socket was being opened.
 */
function fromNow(): number {
  return Date.now() - 1;
}

/** A GET stream frame: list_changed for a `tools_changed` event, nothing for the other kinds. */
function listChangedFrame(frame: SocketFrame): string | null {
  if (frame.event !== "tools_changed") return null;
  const id = frame.id === undefined ? "" : `id: ${frame.id}\n`;
  return `${id}event: message\ndata: ${JSON.stringify(LIST_CHANGED)}\n\n`;
}

/**
 * The 2025-era GET stream of the session `open` listens to: 406 unless the client accepts `text/event-stream`,
 * the session's 404 when it is not bound, else the stream (it ends when the session does).
 */
export async function listChangedStream(request: Request, open: OpenListener): Promise<Response> {
  if (!(request.headers.get("Accept") ?? "").includes("text/event-stream")) {
    return new Response("Not Acceptable: the GET stream needs Accept: text/event-stream", { status: 406 });
  }
  const lastEventId = request.headers.get("Last-Event-ID");
  const after = lastEventId === null ? undefined : LastEventId.safeParse(lastEventId);
  if (after !== undefined && !after.success) throw invalidRequest("headers", fieldIssues(after.error, "last-event-id"));
  const res = await open(after?.data ?? fromNow());
  if (!res.webSocket) return res;
  return eventStream(res.webSocket, listChangedFrame);
}

/**
 * The change-event bus of one request's `subscriptions/listen` streams: each subscriber gets a listener socket of
 * its own to the session, opened at once and closed when it unsubscribes. `ended` is told when the session
 * closes a socket (it ended): the caller then ends the streams.
 */
export function sessionEventBus(open: OpenListener, ended: () => void): ServerEventBus {
  const listeners = new Set<(event: ServerEvent) => void>();
  return {
    publish(event) {
      for (const listener of listeners) listener(event);
    },
    subscribe(listener) {
      listeners.add(listener);
      let socket: WebSocket | undefined;
      let done = false;
      const unsubscribe = () => {
        done = true;
        listeners.delete(listener);
        socket?.close(1000, "the listener left");
      };
      void open(fromNow()).then(
        (res) => {
          const ws = res.webSocket;
          if (!ws) return ended();
          ws.accept();
          if (done) return ws.close(1000, "the listener left");
          socket = ws;
          ws.addEventListener("message", (event) => {
            if (socketFrame(event.data)?.event === "tools_changed") listener({ kind: "tools_list_changed" });
          });
          ws.addEventListener("close", () => {
            if (!done) ended();
          });
        },
        () => ended(),
      );
      return unsubscribe;
    },
  };
}
