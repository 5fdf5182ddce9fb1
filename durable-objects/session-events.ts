/**
 * @module durable-objects/session-events
 * The session's event log and its listeners. {@link SessionEvents.emit} appends an event to the log (see
 * event-storage.ts: ids, the window, pruning) and sends it to every listener at once; it is synchronous and
 * costs one SQLite insert, plus a send per listener when there are any.
 *
 * ## Why listeners are hibernatable WebSockets
 * A gateway reads the events as Server-Sent Events (`GET .../events`), but an open streaming response from a
 * Durable Object keeps it in memory, billed for its duration, for as long as the response streams: a gateway
 * listening around the clock would pin every session. So the object never streams: the Worker serves the SSE
 * response and holds, for each listener, a WebSocket to the object that the object accepts with the Hibernation
 * API, like the device relay. Between events the object hibernates exactly as it does with only the relay
 * open; an event wakes it, goes out on the sockets, and it sleeps again. The Worker answers the gateway's idle
 * connection with its own comments (src/api/rest/events-stream.ts), which never reach the object.
 *
 * ## Kinds and where they come from
 * `relay` and `device_ready` (session-device), `tools_changed` (every listing of the session's tools compares
 * each source's count with the last one, {@link SessionEvents.toolsListed}), `session_expiring` (the alarm,
 * session-alarm), `session_ended` (unbind or expiry: the last event, after which every listener's socket is
 * closed), `job` (the jobs of asynchronous executes: {@link SessionEvents.job}).
 *
 * ## Listening
 * {@link SessionEvents.listen} accepts a listener's socket and replays the log after the id it resumes from
 * (none: only events from now on), first saying `events_lost` when events after that id fell out of the window.
 */
import {
  EVENTS_LOST,
  type EventFrame,
  type EventsLostData,
  MAX_JOB_EVENT_RESULT_BYTES,
  type SessionEventData,
  type SessionEventKind,
} from "../src/contract/events";
import { FINISHED_JOB_STATUSES, type JobView } from "../src/contract/jobs";
import type { SourceReport, ToolSourceKind } from "../src/contract/tools";
import { utf8SizeOver } from "../src/util/text";
import type { ServiceConfig } from "../src/config/schema";
import { answerClose, RelayCloseCode } from "./device-relay";
import type { SqlEventLog, ToolCounts } from "./event-storage";
import { expiresAt, expiryWarningAt, idleTtlSeconds } from "./session-alarm";
import type { BindingRow } from "./session-storage";

/** The tag of a listener's socket (the relay's sockets have their own). */
const LISTENER_TAG = "session-events";

export class SessionEvents {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly log: SqlEventLog,
  ) {}

  /** Records an event (while the session is bound) and sends it to every listener. */
  emit<K extends SessionEventKind>(kind: K, data: SessionEventData[K]): void {
    const id = this.log.append(kind, data, Date.now());
    this.#broadcast(id === null ? { event: kind, data } : { id, event: kind, data });
  }

  /** A job progressed or finished: the one call the jobs of asynchronous executes make. */
  /** A job's change (started, progressed, finished); a finished job's result rides along unless it is large. */
  job(job: JobView): void {
    const { job_id, tool_name, status, progress, result } = job;
    // A large result stays out of the event log (the gateway reads it with GET on the job).
    const finished = FINISHED_JOB_STATUSES.includes(status);
    const small = finished && result && utf8SizeOver(JSON.stringify(result), MAX_JOB_EVENT_RESULT_BYTES) === null;
    this.emit("job", { job_id, tool_name, status, ...progress, ...(small && { result }) });
  }

  /**
   * Accepts a listener's socket and answers the upgrade. With `?after=` (its `Last-Event-ID`, checked by the
   * Worker), the events after it are sent first, preceded by `events_lost` when some of them are gone.
   */
  listen(url: URL): Response {
    const param = url.searchParams.get("after");
    const after = param === null ? null : Number(param);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [LISTENER_TAG]);
    if (after !== null) {
      const replay = this.log.replay(after, Date.now());
      if (replay.lost) {
        const data: EventsLostData = { last_event_id: after, oldest_event_id: replay.oldest };
        send(server, { event: EVENTS_LOST, data });
      }
      for (const frame of replay.frames) send(server, frame);
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Whether `ws` is a listener's socket (not the device relay's). */
  owns(ws: WebSocket): boolean {
    return this.ctx.getTags(ws).includes(LISTENER_TAG);
  }

  /** A listener's socket closed (the gateway left): the close is answered, nothing else changes. */
  listenerClosed(ws: WebSocket, code: number, reason: string): void {
    answerClose(ws, code, reason);
  }

  /** The session ended: `session_ended` goes out, then every listener's socket is closed. */
  ended(reason: SessionEventData["session_ended"]["reason"]): void {
    this.emit("session_ended", { reason });
    for (const ws of this.ctx.getWebSockets(LISTENER_TAG)) {
      try {
        ws.close(RelayCloseCode.sessionEnded, `session ${reason}`);
      } catch {
        // Already closing.
      }
    }
  }

  /**
   * A listing of the session's tools: `tools_changed` for each source whose count is not the last one seen,
   * and for each source that had tools and is no longer listed at all (now `unavailable` with none).
   */
  toolsListed(sources: readonly SourceReport[]): void {
    const before = this.log.toolCounts();
    const after: ToolCounts = { ...before };
    for (const report of sources) {
      const previous = before[report.source] ?? 0;
      if (report.tool_count === previous) continue;
      after[report.source] = report.tool_count;
      const { source, kind, status, tool_count: count } = report;
      this.emit("tools_changed", { source, kind, status, count, previous });
    }
    const listed = new Set(sources.map((report) => report.source));
    for (const [source, previous] of Object.entries(before)) {
      if (listed.has(source)) continue;
      delete after[source];
      if (previous !== 0)
        this.emit("tools_changed", { source, kind: goneKind(source), status: "unavailable", count: 0, previous });
    }
    const changed = new Set([...Object.keys(before), ...Object.keys(after)]);
    if ([...changed].some((source) => after[source] !== before[source])) this.log.saveToolCounts(after);
  }

  /** When to warn that the session expires (see session-alarm); null once warned of its current expiry. */
  expiryWarningAt(binding: BindingRow, config: ServiceConfig): number | null {
    return this.log.expiringFor() === expiresAt(binding, config) ? null : expiryWarningAt(binding, config);
  }

  /** `session_expiring` once the warning is due, once per expiry. */
  warnIfExpiring(binding: BindingRow, config: ServiceConfig): void {
    const warnAt = this.expiryWarningAt(binding, config);
    if (warnAt === null || Date.now() < warnAt) return;
    const expiry = expiresAt(binding, config);
    const idle_ttl_seconds = idleTtlSeconds(binding, config);
    this.emit("session_expiring", { expires_at: new Date(expiry).toISOString(), idle_ttl_seconds });
    this.log.saveExpiringFor(expiry);
  }

  #broadcast(frame: EventFrame): void {
    for (const ws of this.ctx.getWebSockets(LISTENER_TAG)) send(ws, frame);
  }
}

/**
 * The kind of a source no longer listed: the local and device sources always are, so it is a connection of the
 * agent's endpoint (`endpoint:<label>`, closed) or an external server (no longer configured).
 */
function goneKind(source: string): ToolSourceKind {
  return source.startsWith("endpoint:") ? "endpoint" : "external";
}

function send(ws: WebSocket, frame: EventFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // A listener that is going away: it resumes from its Last-Event-ID.
  }
}
