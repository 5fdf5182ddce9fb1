/**
 * @module durable-objects/session-storage
 * The session's SQLite layout and the codec for its binding row.
 *
 * ## Storage layout
 * - `session_meta(key, value)`: `schema_version`.
 * - `session_binding`: one row (id = 1) holding the binding and its timestamps (ms since epoch).
 * - `device_link`: one row (id = 1), written once a relay opens: the next JSON-RPC id, the current relay's
 *   generation, the handshake in progress, the device's tool list and its latest notification
 *   (codec in `device-storage.ts`).
 * - `session_upstream`: one row per external server with a resumable (Streamable HTTP) upstream session:
 *   its id and protocol version, so a woken object carries on without `initialize`.
 *
 * Nothing is written for a session until it is bound, so looking up an unknown session leaves no trace.
 * Unbinding or expiry calls `deleteAll()`, which drops the tables and the alarm; the `session_upstream` rows
 * are read just before, to end those sessions upstream.
 */
import { z } from "zod";

// Version 3 has every table; states written at version 2 lack either device_link or session_upstream.
const CURRENT_SCHEMA_VERSION = 3;

/** The binding as stored. `token` never leaves the object in an API answer. */
export interface BindingRow {
  tenant: string;
  session_id: string;
  device_id: string;
  client_id: string;
  vision_url: string | null;
  token: string | null;
  bound_at: number;
  updated_at: number;
  last_used_at: number;
}

/** Creates or migrates the tables; called before the first write. */
export function ensureSchema(sql: SqlStorage): void {
  sql.exec("CREATE TABLE IF NOT EXISTS session_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  const version = Number(
    sql.exec<{ value: string }>("SELECT value FROM session_meta WHERE key = 'schema_version'").toArray()[0]?.value ?? 0,
  );
  if (version >= CURRENT_SCHEMA_VERSION) return;
  sql.exec(`CREATE TABLE IF NOT EXISTS session_upstream (
    server TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    transport TEXT NOT NULL,
    session_id TEXT NOT NULL,
    protocol_version TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  )`);
  sql.exec(`CREATE TABLE IF NOT EXISTS session_binding (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    tenant TEXT NOT NULL,
    session_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    vision_url TEXT,
    token TEXT,
    bound_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL
  )`);
  sql.exec(`CREATE TABLE IF NOT EXISTS device_link (
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
  sql.exec("INSERT OR REPLACE INTO session_meta (key, value) VALUES ('schema_version', ?)", String(CURRENT_SCHEMA_VERSION));
}

/** The stored binding, or null when the session is not bound (no tables yet, or no row). */
export function readBinding(sql: SqlStorage): BindingRow | null {
  const hasTable = sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_binding'").toArray().length > 0;
  if (!hasTable) return null;
  const row = sql
    .exec<Record<string, SqlStorageValue>>(
      "SELECT tenant, session_id, device_id, client_id, vision_url, token, bound_at, updated_at, last_used_at FROM session_binding WHERE id = 1",
    )
    .toArray()[0];
  return row ? (row as unknown as BindingRow) : null;
}

export function writeBinding(sql: SqlStorage, row: BindingRow): void {
  sql.exec(
    `INSERT OR REPLACE INTO session_binding
       (id, tenant, session_id, device_id, client_id, vision_url, token, bound_at, updated_at, last_used_at)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    row.tenant,
    row.session_id,
    row.device_id,
    row.client_id,
    row.vision_url,
    row.token,
    row.bound_at,
    row.updated_at,
    row.last_used_at,
  );
}

export function writeLastUsed(sql: SqlStorage, at: number): void {
  sql.exec("UPDATE session_binding SET last_used_at = ? WHERE id = 1", at);
}

/** A resumable upstream session as stored (parsed on read: a row that does not fit is not resumed). */
export const UpstreamSessionRow = z.object({
  server: z.string(),
  url: z.string(),
  transport: z.enum(["streamable-http", "sse"]),
  session_id: z.string().min(1),
  protocol_version: z.string(),
  updated_at: z.number(),
});
export type UpstreamSessionRow = z.infer<typeof UpstreamSessionRow>;

/** The stored upstream session of `server`, or null (none, or the tables are not there yet). */
export function readUpstreamSession(sql: SqlStorage, server: string): UpstreamSessionRow | null {
  return selectUpstreamSessions(sql, "WHERE server = ?", server)[0] ?? null;
}

/** Every stored upstream session (none when the tables are not there yet). */
export function readUpstreamSessions(sql: SqlStorage): UpstreamSessionRow[] {
  return selectUpstreamSessions(sql, "");
}

function selectUpstreamSessions(sql: SqlStorage, where: string, ...bindings: SqlStorageValue[]): UpstreamSessionRow[] {
  const hasTable =
    sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'session_upstream'").toArray().length > 0;
  if (!hasTable) return [];
  return sql
    .exec<Record<string, SqlStorageValue>>(
      `SELECT server, url, transport, session_id, protocol_version, updated_at FROM session_upstream ${where}`,
      ...bindings,
    )
    .toArray()
    .flatMap((row) => {
      const parsed = UpstreamSessionRow.safeParse(row);
      return parsed.success ? [parsed.data] : [];
    });
}

/** Stores `row`; the schema must exist (the session is bound). */
export function writeUpstreamSession(sql: SqlStorage, row: UpstreamSessionRow): void {
  sql.exec(
    `INSERT OR REPLACE INTO session_upstream (server, url, transport, session_id, protocol_version, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
    row.server,
    row.url,
    row.transport,
    row.session_id,
    row.protocol_version,
    row.updated_at,
  );
}

export function deleteUpstreamSession(sql: SqlStorage, server: string): void {
  sql.exec("DELETE FROM session_upstream WHERE server = ?", server);
}
