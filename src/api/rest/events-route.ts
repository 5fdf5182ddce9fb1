/**
 * @module api/rest/events-route
 * `GET /api/v1/mcp/sessions/{sessionId}/events`: the session's events as Server-Sent Events. The handler
 * checks the caller and the id it resumes from, makes the Worker a listener of the session's object (a
 * hibernatable WebSocket, see durable-objects/session-events.ts) and streams what comes (events-stream.ts).
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import {
  DeviceReadyData,
  EVENT_WINDOW_COUNT,
  EVENT_WINDOW_MS,
  EventsLostData,
  JobEventData,
  LastEventId,
  RelayEventData,
  SessionEndedData,
  SessionEventKind,
  SessionExpiringData,
  ToolsChangedData,
} from "../../contract/events";
import { noteRequest } from "../request-log";
import type { AppEnv } from "../../env";
import { listenToSession } from "../session-calls";
import { errorResponses } from "./error-responses";
import { eventStream, KEEP_ALIVE_MS, RECONNECT_DELAY_MS } from "./events-stream";
import { SessionPathParams } from "./schemas";

const EventsQuery = z.object({
  last_event_id: LastEventId.optional().openapi({
    param: { name: "last_event_id", in: "query" },
    description: "The id to resume after, for clients that cannot send `Last-Event-ID`; the header wins",
    example: "1767225600123",
  }),
});

const EventsHeaders = z.object({
  "last-event-id": LastEventId.optional().openapi({
    param: { name: "last-event-id", in: "header" },
    description: "`Last-Event-ID`: the id of the last event seen; the events after it are sent first",
    example: "1767225600123",
  }),
});

/** One event of the stream: `event` is its SSE event name, `data` its JSON. */
const SessionEvent = z
  .object({
    id: z.string().optional().openapi({ description: "Absent on `events_lost` only" }),
    event: z.union([SessionEventKind, z.literal("events_lost")]),
    data: z.union([
      ToolsChangedData,
      RelayEventData,
      DeviceReadyData,
      JobEventData,
      SessionExpiringData,
      SessionEndedData,
      EventsLostData,
    ]),
  })
  .openapi("SessionEvent", { description: "One event of the stream, as its `id:`, `event:` and `data:` lines" });

/** Events as the stream sends them, each as its fields (on the wire: `id: …`, `event: …`, `data: {…}` lines). */
const EXAMPLES = {
  relay: {
    summary: "The device relay opened",
    value: { id: "1767225600123", event: "relay", data: { state: "opened", relay: 1767225600120 } },
  },
  device_ready: {
    summary: "The device's tools are listed",
    value: { id: "1767225600187", event: "device_ready", data: { relay: 1767225600120, tool_count: 4 } },
  },
  tools_changed: {
    summary: "The device's tools are there",
    value: {
      id: "1767225600188",
      event: "tools_changed",
      data: { source: "device", kind: "device", status: "ok", count: 4, previous: 0 },
    },
  },
  session_ended: {
    summary: "The session was unbound: the stream ends",
    value: { id: "1767225900000", event: "session_ended", data: { reason: "unbound" } },
  },
  events_lost: {
    summary: "Reconnected with an id older than the window",
    value: { event: "events_lost", data: { last_event_id: 1767225600123, oldest_event_id: 1767229200000 } },
  },
};

export const eventsRoute = createRoute({
  security: [{ bearerAuth: [] }],
  method: "get",
  path: "/api/v1/mcp/sessions/{sessionId}/events",
  operationId: "streamSessionEvents",
  tags: ["sessions"],
  summary: "The session's events, as Server-Sent Events",
  description:
    "`tools_changed` (a source's tool count changed), `relay` (opened, closed, replaced), `device_ready` (the " +
    "device's tools are listed), `job` (an asynchronous execute progressed or finished), `session_expiring` " +
    "(it expires unless used: listening is not use) and `session_ended` (unbound or expired; the stream then " +
    "ends). Without `Last-Event-ID` the stream starts with the events from now on; with it (or " +
    "`last_event_id`), the events after that id come first. The session keeps its last " +
    `${EVENT_WINDOW_COUNT} events of the last ${EVENT_WINDOW_MS / 60_000} minutes: an id older than that gets ` +
    "`events_lost` (no id), then what is kept. `0` replays the whole window. An idle stream gets a comment every " +
    `${KEEP_ALIVE_MS / 1000} s.`,
  request: { params: SessionPathParams, query: EventsQuery, headers: EventsHeaders },
  responses: {
    200: {
      description:
        `The stream: \`retry: ${RECONNECT_DELAY_MS}\`, then each event as its \`id:\`, \`event:\` and \`data:\` ` +
        "(one line of JSON) lines and a blank line",
      content: { "text/event-stream": { schema: SessionEvent, examples: EXAMPLES } },
    },
    ...errorResponses(
      "unauthorized",
      "rate_limited",
      "not_configured",
      "config_invalid",
      "internal",
      "invalid_request",
      "session_not_found",
    ),
  },
});

export function registerEventsRoute(app: OpenAPIHono<AppEnv>): void {
  app.openapi(eventsRoute, async (c) => {
    const { sessionId } = c.req.valid("param");
    noteRequest(c, { session: sessionId });
    const after = c.req.valid("header")["last-event-id"] ?? c.req.valid("query").last_event_id;
    const res = await listenToSession(c.env, { tenant: c.var.tenant, requestId: c.var.requestId }, sessionId, after);
    // Not upgraded: the session's error (not bound) as it answered it.
    if (!res.webSocket) return res;
    return eventStream(res.webSocket);
  });
}
