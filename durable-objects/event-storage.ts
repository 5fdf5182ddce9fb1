/**
 * @module durable-objects/event-storage
 * The session's event log over its SQLite (DDL in `session-schema.ts`): `session_event` holds the window of
 * recent events a reconnecting listener replays, `session_event_state` what the log remembers beyond it.
 *
 * ## Ids
 * Each event's id is the greater of the previous id + 1 and the time (ms since the epoch): increasing within a
 * binding, and still increasing after an unbind drops the log and a new binding starts another, so a
 * listener's `Last-Event-ID` from an earlier binding never hides a later event.
 *
 * ## Window
 * At most {@link EVENT_WINDOW_COUNT} events, none older than {@link EVENT_WINDOW_MS}. Appending drops the
 * event that falls out by count (a range of the primary key: one row at most); events past their age are
 * dropped when a listener reads the log. `pruned_through` is the greatest id dropped: a listener that resumes
 * from an older id has lost events.
 *
 * Nothing is written while the session is not bound (no tables): its events go to listeners only.
 */
import { z } from "zod";
import { EVENT_WINDOW_COUNT, EVENT_WINDOW_MS, type EventFrame, SessionEventKind } from "../src/contract/events";
import { parseJson } from "../src/util/json";
import type { SessionSchema } from "./session-schema";
import type { Sql } from "./sql";

const EventRow = z.object({ id: z.number().int(), kind: SessionEventKind, data: z.string() });

/** What the log remembers beyond its window. */
const EventStateRow = z.object({
  pruned_through: z.number().int(),
  /** Each source's tool count as last reported (JSON `{source: count}`). */
  tool_counts: z.string(),
  /** The expiry the session last warned of (`session_expiring`), so that it warns once per expiry. */
  expiring_for: z.number().int().nullable(),
});

const ToolCounts = z.record(z.string(), z.number().int());
export type ToolCounts = z.infer<typeof ToolCounts>;

/** What a listener resuming after an id gets: the events it missed, and whether some are gone. */
export interface Replay {
  frames: EventFrame[];
  /** True when events after the listener's id fell out of the window before it came back. */
  lost: boolean;
  /** The oldest event still kept, if any. */
  oldest: number | null;
}

export class SqlEventLog {
  /** The last id given, once read (undefined: not read yet). */
  #lastId: number | undefined;
  /** The saved tool counts, once read. */
  #toolCounts: ToolCounts | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly schema: SessionSchema,
  ) {}

  /** Appends an event at `now` and drops the one that falls out of the window; null when the session is not bound. */
  append(kind: SessionEventKind, data: unknown, now: number): number | null {
    if (!this.schema.exists()) return null;
    const id = Math.max(this.#previousId() + 1, now);
    this.#lastId = id;
    this.sql.run("INSERT INTO session_event (id, kind, data, at) VALUES (?, ?, ?, ?)", id, kind, JSON.stringify(data), now);
    const falling = this.sql.first(
      z.object({ id: z.number().int() }),
      "SELECT id FROM session_event ORDER BY id DESC LIMIT 1 OFFSET ?",
      EVENT_WINDOW_COUNT,
    );
    if (falling !== null) this.#pruneThrough(falling.id);
    return id;
  }

  /** The events after `afterId` within the window at `now`, oldest first. */
  replay(afterId: number, now: number): Replay {
    if (!this.schema.exists()) return { frames: [], lost: false, oldest: null };
    const old = this.sql.first(
      z.object({ id: z.number().int().nullable() }),
      "SELECT MAX(id) AS id FROM session_event WHERE at < ?",
      now - EVENT_WINDOW_MS,
    );
    if (old?.id != null) this.#pruneThrough(old.id);
    const oldest = this.sql.first(z.object({ id: z.number().int().nullable() }), "SELECT MIN(id) AS id FROM session_event");
    const rows = this.sql.rows(EventRow, "SELECT id, kind, data FROM session_event WHERE id > ? ORDER BY id", afterId);
    const frames = rows.map((row): EventFrame => {
      const data = parseJson(row.data);
      return { id: row.id, event: row.kind, data: data.ok ? data.value : null };
    });
    return { frames, lost: afterId < this.#state().pruned_through, oldest: oldest?.id ?? null };
  }

  /** Each source's tool count as last saved. */
  toolCounts(): Readonly<ToolCounts> {
    if (!this.schema.exists()) return {};
    if (this.#toolCounts === undefined) {
      const parsed = parseJson(this.#state().tool_counts);
      const counts = ToolCounts.safeParse(parsed.ok ? parsed.value : null);
      this.#toolCounts = counts.success ? counts.data : {};
    }
    return this.#toolCounts;
  }

  saveToolCounts(counts: ToolCounts): void {
    if (!this.schema.exists()) return;
    this.#toolCounts = counts;
    this.#ensureState();
    this.sql.run("UPDATE session_event_state SET tool_counts = ? WHERE id = 1", JSON.stringify(counts));
  }

  /** The expiry the session last warned of; null when none. */
  expiringFor(): number | null {
    return this.schema.exists() ? this.#state().expiring_for : null;
  }

  saveExpiringFor(expiresAt: number): void {
    if (!this.schema.exists()) return;
    this.#ensureState();
    this.sql.run("UPDATE session_event_state SET expiring_for = ? WHERE id = 1", expiresAt);
  }

  /** The log was deleted with the rest of the session's storage. */
  forget(): void {
    this.#lastId = undefined;
    this.#toolCounts = undefined;
  }

  #previousId(): number {
    if (this.#lastId === undefined) {
      const last = this.sql.first(z.object({ id: z.number().int().nullable() }), "SELECT MAX(id) AS id FROM session_event");
      this.#lastId = Math.max(last?.id ?? 0, this.#state().pruned_through);
    }
    return this.#lastId;
  }

  /** Deletes the events up to `id` (included), and remembers that they are gone. */
  #pruneThrough(id: number): void {
    this.sql.run("DELETE FROM session_event WHERE id <= ?", id);
    this.#ensureState();
    this.sql.run("UPDATE session_event_state SET pruned_through = MAX(pruned_through, ?) WHERE id = 1", id);
  }

  #state(): z.infer<typeof EventStateRow> {
    return (
      this.sql.first(EventStateRow, "SELECT pruned_through, tool_counts, expiring_for FROM session_event_state WHERE id = 1") ?? {
        pruned_through: 0,
        tool_counts: "{}",
        expiring_for: null,
      }
    );
  }

  #ensureState(): void {
    this.sql.run("INSERT OR IGNORE INTO session_event_state (id) VALUES (1)");
  }
}
