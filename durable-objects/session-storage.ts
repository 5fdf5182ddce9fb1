/**
 * @module durable-objects/session-storage
 * The session object's storage: its binding row, the device and upstream-session stores beside it, and the
 * end of it all (`deleteAll()`). Every read and write goes through one {@link Sql} helper and one
 * {@link SessionSchema} gate (the layout and its lifecycle are in `session-schema.ts`).
 */
import { z } from "zod";
import { ToolFilter } from "../src/contract/tools";
import type { Logger } from "../src/observability/log";
import { parseJson } from "../src/util/json";
import type { BindCommand } from "./session-api";
import { SqlDeviceStore } from "./device-storage";
import { SqlJobStore } from "./job-storage";
import { SqlEventLog } from "./event-storage";
import { SessionSchema } from "./session-schema";
import { Sql } from "./sql";
import { SqlUpstreamSessionStore } from "./upstream-session-storage";

/** The binding as stored. `token` never leaves the object in an API answer. */
export const BindingRow = z.object({
  tenant: z.string(),
  session_id: z.string(),
  device_id: z.string(),
  client_id: z.string(),
  vision_url: z.string().nullable(),
  token: z.string().nullable(),
  bound_at: z.number(),
  updated_at: z.number(),
  last_used_at: z.number(),
  /** The agent whose endpoint tools the session offers, if any. */
  agent_id: z.string().nullable(),
  /** The session's tool filter, stored as JSON text (`tool_filter`). */
  tools: z.preprocess((text) => (typeof text === "string" ? jsonOr(text) : text), ToolFilter.nullable()),
});
export type BindingRow = z.output<typeof BindingRow>;

/** The row `command` binds, at `now`; a rebind keeps the `existing` row's `bound_at`. */
export function bindingRow(command: BindCommand, existing: BindingRow | null, now: number): BindingRow {
  return {
    tenant: command.tenant,
    session_id: command.sessionId,
    device_id: command.device_id,
    client_id: command.client_id,
    vision_url: command.vision_url ?? null,
    token: command.token ?? null,
    bound_at: existing?.bound_at ?? now,
    updated_at: now,
    last_used_at: now,
    agent_id: command.agent_id ?? null,
    tools: command.tools ?? null,
  };
}

/** The value of JSON `text`, or the text itself when it is not JSON (which then fails its schema). */
function jsonOr(text: string): unknown {
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : text;
}

export class SessionStorage {
  /** The device peer's state (`device_link`). */
  readonly device: SqlDeviceStore;
  /** The external servers' resumable sessions (`session_upstream`). */
  readonly upstreamSessions: SqlUpstreamSessionStore;
  /** The session's jobs (`session_job`). */
  readonly jobs: SqlJobStore;
  /** The session's recent events (`session_event`, `session_event_state`). */
  readonly events: SqlEventLog;
  readonly #sql: Sql;
  readonly #schema: SessionSchema;

  constructor(
    private readonly storage: DurableObjectStorage,
    logger: Logger,
  ) {
    this.#sql = new Sql(storage.sql, logger);
    this.#schema = new SessionSchema(this.#sql);
    this.device = new SqlDeviceStore(this.#sql, this.#schema);
    this.upstreamSessions = new SqlUpstreamSessionStore(this.#sql, this.#schema);
    this.jobs = new SqlJobStore(this.#sql, this.#schema);
    this.events = new SqlEventLog(this.#sql, this.#schema);
  }

  /** The stored binding, or null when the session is not bound (no tables yet, or no row). */
  readBinding(): BindingRow | null {
    if (!this.#schema.exists()) return null;
    return this.#sql.first(
      BindingRow,
      `SELECT tenant, session_id, device_id, client_id, vision_url, token, bound_at, updated_at, last_used_at,
         agent_id, tool_filter AS tools
       FROM session_binding WHERE id = 1`,
    );
  }

  /** Stores the binding, creating the tables first when the session was not bound. */
  writeBinding(row: BindingRow): void {
    this.#schema.ensure();
    this.#sql.run(
      `INSERT OR REPLACE INTO session_binding
         (id, tenant, session_id, device_id, client_id, vision_url, token, bound_at, updated_at, last_used_at, agent_id,
          tool_filter)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.tenant,
      row.session_id,
      row.device_id,
      row.client_id,
      row.vision_url,
      row.token,
      row.bound_at,
      row.updated_at,
      row.last_used_at,
      row.agent_id,
      row.tools === null ? null : JSON.stringify(row.tools),
    );
  }

  writeLastUsed(at: number): void {
    this.#sql.run("UPDATE session_binding SET last_used_at = ? WHERE id = 1", at);
  }

  /** Deletes all of the session's storage (every table): back to no trace at all. */
  async deleteAll(): Promise<void> {
    this.#schema.dropped();
    this.device.forget();
    this.events.forget();
    await this.storage.deleteAll();
  }
}
