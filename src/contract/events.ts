/**
 * @module contract/events
 * The session's events as gateways read them (`GET /api/v1/mcp/sessions/{sessionId}/events`, Server-Sent
 * Events): each kind and its `data`, the event that says some were lost, the window the session keeps them in
 * for a reconnecting listener, and the `Last-Event-ID` a listener resumes from.
 */
import { z } from "@hono/zod-openapi";
import { ExecutionResult } from "./execution";
import { JobProgress, JobStatus } from "./jobs";
import { IsoMoment } from "./time";
import { SourceStatus, ToolSourceKind } from "./tools";

/** The most events a session keeps for listeners that reconnect; older ones are dropped as new ones come. */
export const EVENT_WINDOW_COUNT = 200;
/** How long a session keeps an event for listeners that reconnect. */
export const EVENT_WINDOW_MS = 60 * 60_000;

/** What happened to a session. */
export const SessionEventKind = z.enum(["tools_changed", "relay", "device_ready", "job", "session_expiring", "session_ended"]);
export type SessionEventKind = z.infer<typeof SessionEventKind>;

/** A source's tool count changed (a server came up or went down, its list changed, the device listed its tools). */
export const ToolsChangedData = z
  .object({
    source: z.string().openapi({ description: "`local`, `device`, or the external server's configured name" }),
    kind: ToolSourceKind,
    status: SourceStatus,
    count: z.number().int().openapi({ description: "The tools the source offers the session now" }),
    previous: z.number().int().openapi({ description: "The count before" }),
  })
  .openapi("ToolsChangedEvent");

/** The device relay opened, closed, or was replaced by a newer one (whose `opened` follows). */
export const RelayEventData = z
  .object({
    state: z.enum(["opened", "closed", "replaced"]),
    relay: z.number().int().openapi({ description: "The relay's generation: each relay opened gets a greater one" }),
    reason: z.string().optional().openapi({ description: "Why it closed (closed only)" }),
  })
  .openapi("RelayEvent");

/** The device's tools are listed on the open relay: its tools can be called. */
export const DeviceReadyData = z
  .object({
    relay: z.number().int(),
    tool_count: z.number().int().openapi({ description: "The tools the device listed (before the session's filter)" }),
  })
  .openapi("DeviceReadyEvent");

/** The largest result (as JSON) a finished job's event carries; a larger one is read with GET on the job. */
export const MAX_JOB_EVENT_RESULT_BYTES = 64 * 1024;

/**
 * A job (an asynchronous execute) started, progressed or finished; a finished one carries its result, unless that
 * is over {@link MAX_JOB_EVENT_RESULT_BYTES}.
 */
export const JobEventData = z
  .object({
    job_id: z.string(),
    tool_name: z.string(),
    status: JobStatus,
    result: ExecutionResult.optional(),
  })
  .extend(JobProgress.partial().shape)
  .openapi("JobEvent");

/** The session will expire at `expires_at` unless it is used before: any call to it but the events stream. */
export const SessionExpiringData = z
  .object({ expires_at: IsoMoment, idle_ttl_seconds: z.number().int() })
  .openapi("SessionExpiringEvent");

/** The session is gone (unbound, or expired); the stream ends after this event. */
export const SessionEndedData = z.object({ reason: z.enum(["unbound", "expired"]) }).openapi("SessionEndedEvent");

/** Each kind's data. */
export interface SessionEventData {
  tools_changed: z.infer<typeof ToolsChangedData>;
  relay: z.infer<typeof RelayEventData>;
  device_ready: z.infer<typeof DeviceReadyData>;
  job: z.infer<typeof JobEventData>;
  session_expiring: z.infer<typeof SessionExpiringData>;
  session_ended: z.infer<typeof SessionEndedData>;
}

/** The name of the event that tells a reconnecting listener that events it had not seen are gone. */
export const EVENTS_LOST = "events_lost";

/** Sent (without an id) before the replay when `last_event_id` is older than the window: the events after it, up to `oldest_event_id`, are gone. */
export const EventsLostData = z
  .object({
    last_event_id: z.number().int(),
    oldest_event_id: z.number().int().nullable().openapi({ description: "The oldest event still kept; null when none is" }),
  })
  .openapi("EventsLostEvent");
export type EventsLostData = z.infer<typeof EventsLostData>;

/** One event on the wire between the session and the Worker: `id` absent for `events_lost`. */
export interface EventFrame {
  id?: number;
  event: SessionEventKind | typeof EVENTS_LOST;
  data: unknown;
}

/**
 * The id a listener resumes after: the `Last-Event-ID` header, or the `last_event_id` query parameter. Ids are
 * increasing integers (near the time of the session's first event in ms, so they keep increasing when the
 * session is bound again).
 */
export const LastEventId = z
  .string()
  .regex(/^\d{1,15}$/, "must be an event id: a non-negative integer of up to 15 digits")
  .transform(Number);
