/**
 * @module durable-objects/session-schema
 * The session's SQLite layout, and the gate that creates or upgrades it: all DDL is in one `ensureSchema()`,
 * run only when the stored schema version is older than {@link CURRENT_SCHEMA_VERSION}. The stored version is
 * read once per object instance, not per read.
 *
 * ## Storage layout
 * - `session_meta(key, value)`: `schema_version`.
 * - `session_binding`: one row (id = 1) holding the binding, its timestamps (ms since epoch) and the session's
 *   tool filter as JSON, null without one, and the agent whose endpoint tools it offers (codec in `session-storage.ts`).
 * - `device_link`: one row (id = 1), written once a relay opens: the next JSON-RPC id, the current relay's
 *   generation, the handshake in progress, the device's tool list and its latest notification
 *   (codec in `device-storage.ts`).
 * - `session_upstream`: one row per external Streamable HTTP server the session connected to: a 2025-era
 *   server's session id and protocol version, so a woken object carries on without `initialize`, or a
 *   2026-07-28 server's `server/discover` answer (`discover`, JSON), so it carries on without probing (codec in
 *   `upstream-session-storage.ts`).
 * - `session_job`: one row per job (an async execute): status, latest progress and result as JSON, its moments
 *   and the deadline by which an unfinished one must have ended (codec in `job-storage.ts`).
 * - `session_event`: the session's recent events (id, kind, JSON data, time), the window a reconnecting
 *   listener replays; `session_event_state`: one row (id = 1) with the greatest id dropped from that window,
 *   each source's last reported tool count (JSON) and the expiry last warned of (codec in `event-storage.ts`).
 *
 * ## Lifecycle
 * Nothing is written for a session until it is bound, so looking up an unknown session leaves no trace: reads
 * ask {@link SessionSchema.exists} and answer their defaults without the tables. Binding calls
 * {@link SessionSchema.ensure}. Unbinding or expiry calls `deleteAll()`, which drops the tables (then
 * {@link SessionSchema.dropped}).
 */
import { z } from "zod";
import type { Sql } from "./sql";

// Version 3 has every table; states written at version 2 lack either device_link or session_upstream. Version 4
// adds session_binding.tool_filter; version 5 adds session_job; version 6 the event log (session_event,
// session_event_state); version 7 session_binding.agent_id; version 8 session_upstream.discover.
const CURRENT_SCHEMA_VERSION = 8;

const TableRow = z.object({ name: z.string() });
const CountRow = z.object({ n: z.number().int() });
const VersionRow = z.object({ value: z.coerce.number().int() });

export class SessionSchema {
  /** The stored schema version: undefined until read, 0 when there are no tables. */
  #version: number | undefined;

  constructor(private readonly sql: Sql) {}

  /**
   * Whether the session's tables exist (it is bound). The first call of an object reads the stored version; tables
   * of an older version are upgraded then, before anything reads them.
   */
  exists(): boolean {
    if (this.#version === undefined) {
      this.#version = this.#storedVersion();
      if (this.#version > 0 && this.#version < CURRENT_SCHEMA_VERSION) this.#ensureSchema();
    }
    return this.#version > 0;
  }

  /** Creates the tables unless they exist; called before the first write of a binding. */
  ensure(): void {
    if (!this.exists()) this.#ensureSchema();
  }

  /** The tables were dropped (`deleteAll()`): the next write creates them again. */
  dropped(): void {
    this.#version = 0;
  }

  #storedVersion(): number {
    const meta = this.sql.first(TableRow, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'session_meta'");
    if (meta === null) return 0;
    return this.sql.first(VersionRow, "SELECT value FROM session_meta WHERE key = 'schema_version'")?.value ?? 0;
  }

  /** Creates or migrates every table, and stores the version. */
  #ensureSchema(): void {
    this.sql.run("CREATE TABLE IF NOT EXISTS session_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.sql.run(`CREATE TABLE IF NOT EXISTS session_upstream (
      server TEXT PRIMARY KEY,
      url TEXT NOT NULL,
      transport TEXT NOT NULL,
      session_id TEXT NOT NULL,
      protocol_version TEXT NOT NULL,
      updated_at INTEGER NOT NULL,
      discover TEXT
    )`);
    const hasDiscover = this.sql.first(
      CountRow,
      "SELECT COUNT(*) AS n FROM pragma_table_info('session_upstream') WHERE name = 'discover'",
    );
    if (hasDiscover?.n === 0) this.sql.run("ALTER TABLE session_upstream ADD COLUMN discover TEXT");
    this.sql.run(`CREATE TABLE IF NOT EXISTS session_binding (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      tenant TEXT NOT NULL,
      session_id TEXT NOT NULL,
      device_id TEXT NOT NULL,
      client_id TEXT NOT NULL,
      vision_url TEXT,
      token TEXT,
      bound_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      last_used_at INTEGER NOT NULL,
      tool_filter TEXT,
      agent_id TEXT
    )`);
    const hasToolFilter = this.sql.first(
      CountRow,
      "SELECT COUNT(*) AS n FROM pragma_table_info('session_binding') WHERE name = 'tool_filter'",
    );
    if (hasToolFilter?.n === 0) this.sql.run("ALTER TABLE session_binding ADD COLUMN tool_filter TEXT");
    const hasAgentId = this.sql.first(
      CountRow,
      "SELECT COUNT(*) AS n FROM pragma_table_info('session_binding') WHERE name = 'agent_id'",
    );
    if (hasAgentId?.n === 0) this.sql.run("ALTER TABLE session_binding ADD COLUMN agent_id TEXT");
    this.sql.run(`CREATE TABLE IF NOT EXISTS device_link (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      next_rpc_id INTEGER NOT NULL DEFAULT 1,
      relay INTEGER NOT NULL DEFAULT 0,
      relay_opened_at INTEGER,
      handshake TEXT,
      list_error TEXT,
      refresh_at INTEGER,
      last_notification TEXT,
      tool_list TEXT,
      staged_tools TEXT NOT NULL DEFAULT '[]'
    )`);
    this.sql.run(`CREATE TABLE IF NOT EXISTS session_job (
      job_id TEXT PRIMARY KEY,
      tool_name TEXT NOT NULL,
      source TEXT NOT NULL,
      status TEXT NOT NULL,
      progress TEXT,
      result TEXT,
      created_at INTEGER NOT NULL,
      started_at INTEGER,
      finished_at INTEGER,
      deadline_at INTEGER NOT NULL
    )`);
    this.sql.run(`CREATE TABLE IF NOT EXISTS session_event (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL,
      data TEXT NOT NULL,
      at INTEGER NOT NULL
    )`);
    this.sql.run(`CREATE TABLE IF NOT EXISTS session_event_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      pruned_through INTEGER NOT NULL DEFAULT 0,
      tool_counts TEXT NOT NULL DEFAULT '{}',
      expiring_for INTEGER
    )`);
    this.sql.run("INSERT OR REPLACE INTO session_meta (key, value) VALUES ('schema_version', ?)", String(CURRENT_SCHEMA_VERSION));
    this.#version = CURRENT_SCHEMA_VERSION;
  }
}
