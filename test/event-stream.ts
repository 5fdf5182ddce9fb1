/**
 * @module test/event-stream
 * A gateway's listener of a session's events, for tests: opens `GET .../events` through the Worker's public
 * surface and reads the Server-Sent Events as they come, the way an `EventSource` parses them.
 */
import { exports } from "cloudflare:workers";
import { TENANT_A_KEY } from "./keys";

/** One event as the stream carried it (`data` parsed as JSON). */
export interface SseEvent {
  id?: string;
  event: string;
  data: unknown;
}

/** How long a test waits for the next event before failing (not a speed check: a hang guard). */
const NEXT_EVENT_TIMEOUT_MS = 15_000;

export interface ListenOptions {
  /** Sent as `Last-Event-ID`. */
  lastEventId?: string;
  /** Appended to the URL as it is (`last_event_id=…`). */
  query?: string;
  key?: string;
}

/** `GET .../events` as it answered (for the failure cases). */
export function requestEvents(sessionId: string, options: ListenOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${options.key ?? TENANT_A_KEY}` };
  if (options.lastEventId !== undefined) headers["Last-Event-ID"] = options.lastEventId;
  const query = options.query === undefined ? "" : `?${options.query}`;
  return exports.default.fetch(`http://service.test/api/v1/mcp/sessions/${sessionId}/events${query}`, { headers });
}

export class EventListener {
  /** The `retry:` the stream opened with, once read. */
  retry: number | undefined;
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buffer = "";
  #queue: SseEvent[] = [];
  #ended = false;

  private constructor(text: ReadableStream<string>) {
    this.#reader = text.getReader();
  }

  /** Opens the stream of `sessionId`; fails unless it answers 200 as an event stream. */
  static async open(sessionId: string, options: ListenOptions = {}): Promise<EventListener> {
    return EventListener.of(await requestEvents(sessionId, options), `events of ${sessionId}`);
  }

  /** Reads the stream `res` answered (`what` names it in the failure); fails unless it is 200 and an event stream. */
  static async of(res: Response, what: string): Promise<EventListener> {
    if (res.status !== 200 || !res.body) throw new Error(`${what}: ${res.status} ${await res.text()}`);
    if (!res.headers.get("Content-Type")?.startsWith("text/event-stream")) throw new Error("not an event stream");
    return new EventListener(res.body.pipeThrough(new TextDecoderStream()));
  }

  /** The next event; null once the stream has ended. */
  async next(): Promise<SseEvent | null> {
    while (this.#queue.length === 0) {
      if (this.#ended) return null;
      await this.#read();
    }
    return this.#queue.shift() ?? null;
  }

  /** The next event of `kind`, skipping others (and failing at the end of the stream). */
  async nextOf(kind: string, accept: (event: SseEvent) => boolean = () => true): Promise<SseEvent> {
    for (;;) {
      const event = await this.next();
      if (event === null) throw new Error(`the stream ended before a ${kind} event`);
      if (event.event === kind && accept(event)) return event;
    }
  }

  /** The events until (and with) the first that `last` accepts. */
  async until(last: (event: SseEvent) => boolean): Promise<SseEvent[]> {
    const events: SseEvent[] = [];
    for (;;) {
      const event = await this.next();
      if (event === null) throw new Error(`the stream ended after ${JSON.stringify(events)}`);
      events.push(event);
      if (last(event)) return events;
    }
  }

  /** Leaves: the gateway closes its connection. */
  async close(): Promise<void> {
    await this.#reader.cancel();
  }

  async #read(): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("no event within the hang guard")), NEXT_EVENT_TIMEOUT_MS);
    });
    const chunk = await Promise.race([this.#reader.read(), timeout]).finally(() => clearTimeout(timer));
    if (chunk.done) {
      this.#ended = true;
      return;
    }
    this.#buffer += chunk.value;
    let end: number;
    while ((end = this.#buffer.indexOf("\n\n")) >= 0) {
      this.#take(this.#buffer.slice(0, end));
      this.#buffer = this.#buffer.slice(end + 2);
    }
  }

  /** One SSE block: comments skipped, `retry:` kept, an event queued. */
  #take(block: string): void {
    const fields = new Map<string, string>();
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      fields.set(line.slice(0, colon), line.slice(colon + 1).replace(/^ /, ""));
    }
    const retry = fields.get("retry");
    if (retry !== undefined) this.retry = Number(retry);
    const event = fields.get("event");
    const data = fields.get("data");
    if (event === undefined || data === undefined) return;
    const id = fields.get("id");
    this.#queue.push({ ...(id === undefined ? {} : { id }), event, data: JSON.parse(data) as unknown });
  }
}
