/**
 * @module durable-objects/agent-endpoint-storage
 * The agent endpoint object's SQLite, over the one {@link Sql} helper: the endpoint itself (its token's hash)
 * and one row per open socket, with its handshake state and tool lists, so a woken (or evicted and restarted)
 * object carries on with the sockets the runtime kept for it.
 *
 * ## Storage layout
 * - `endpoint_meta(key, value)`: `schema_version`.
 * - `endpoint_state`: one row (id = 1) while the endpoint exists: tenant, agent id, the SHA-256 of the token's
 *   secret, when it was issued, the next socket number and the tools version (bumped when any socket's offered
 *   tools change).
 * - `endpoint_socket`: one row per open socket (the socket's attachment holds its `socket_id`): label, phase,
 *   handshake deadline and the id of the handshake request awaited, the next JSON-RPC id, the server's name and
 *   version, the ping in flight and the last answer to one, the offered tools and the page being collected
 *   (JSON), and why its tools are not offered.
 *
 * The sessions registered with the agent are in their own table, `endpoint_session` (agent-endpoint-sessions.ts).
 *
 * ## Lifecycle
 * The tables are created by the first issue of a token; revoking drops them (`dropEndpoint()`), or deletes
 * everything (`deleteAll()`) when no session is registered.
 */
import { z } from "zod";
import { ConnectionPhase } from "../src/contract/endpoint";
import { JsonSchemaObject } from "../src/contract/tools";
import type { Logger } from "../src/observability/log";
import { parseJson } from "../src/util/json";
import { Sql } from "./sql";

const CURRENT_SCHEMA_VERSION = 1;

const TableRow = z.object({ name: z.string() });

/** A tool as stored (the tool side's own fields, checked when it was listed). */
export const StoredTool = z.object({ name: z.string(), description: z.string(), inputSchema: JsonSchemaObject });
export type StoredTool = z.output<typeof StoredTool>;

const jsonTools = z.preprocess((text) => {
  if (typeof text !== "string") return text;
  const parsed = parseJson(text);
  return parsed.ok ? parsed.value : text;
}, z.array(StoredTool));

export const EndpointStateRow = z.object({
  tenant: z.string(),
  agent_id: z.string(),
  token_hash: z.string(),
  created_at: z.number(),
  next_socket: z.number().int(),
  tools_version: z.number().int(),
});
export type EndpointStateRow = z.output<typeof EndpointStateRow>;

export const SocketRow = z.object({
  socket_id: z.number().int(),
  label: z.string(),
  phase: ConnectionPhase,
  connected_at: z.number(),
  deadline: z.number().nullable(),
  pending_id: z.number().int().nullable(),
  next_rpc_id: z.number().int(),
  server_name: z.string().nullable(),
  server_version: z.string().nullable(),
  ping_id: z.number().int().nullable(),
  ping_sent_at: z.number().nullable(),
  last_pong_at: z.number().nullable(),
  tools: jsonTools,
  staged: jsonTools,
  error: z.string().nullable(),
});
export type SocketRow = z.output<typeof SocketRow>;

const SOCKET_COLUMNS = [
  "socket_id",
  "label",
  "phase",
  "connected_at",
  "deadline",
  "pending_id",
  "next_rpc_id",
  "server_name",
  "server_version",
  "ping_id",
  "ping_sent_at",
  "last_pong_at",
  "tools",
  "staged",
  "error",
] as const;

export class EndpointStorage {
  readonly #sql: Sql;
  #ready = false;

  constructor(
    private readonly storage: DurableObjectStorage,
    logger: Logger,
  ) {
    this.#sql = new Sql(storage.sql, logger);
  }

  state(): EndpointStateRow | null {
    if (!this.#exists()) return null;
    return this.#sql.first(EndpointStateRow, "SELECT * FROM endpoint_state WHERE id = 1");
  }

  /** Stores a new token hash (creating or rotating), keeping the counters of an earlier token. */
  writeToken(tenant: string, agentId: string, tokenHash: string, now: number): void {
    this.#ensure();
    this.#sql.run(
      `INSERT INTO endpoint_state (id, tenant, agent_id, token_hash, created_at, next_socket, tools_version)
       VALUES (1, ?, ?, ?, ?, 1, 0)
       ON CONFLICT (id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
      tenant,
      agentId,
      tokenHash,
      now,
    );
  }

  /** Takes the next socket number. */
  takeSocketNumber(): number {
    const state = this.state();
    if (!state) throw new Error("no endpoint to take a socket number of");
    this.#sql.run("UPDATE endpoint_state SET next_socket = next_socket + 1 WHERE id = 1");
    return state.next_socket;
  }

  /** Bumps the tools version, answering the new one. */
  bumpToolsVersion(): number {
    this.#sql.run("UPDATE endpoint_state SET tools_version = tools_version + 1 WHERE id = 1");
    return this.state()?.tools_version ?? 0;
  }

  sockets(): SocketRow[] {
    if (!this.#exists()) return [];
    return this.#sql.rows(SocketRow, "SELECT * FROM endpoint_socket ORDER BY socket_id");
  }

  socket(socketId: number): SocketRow | null {
    if (!this.#exists()) return null;
    return this.#sql.first(SocketRow, "SELECT * FROM endpoint_socket WHERE socket_id = ?", socketId);
  }

  /** Writes the whole row (insert or replace). */
  writeSocket(row: SocketRow): void {
    this.#sql.run(
      `INSERT OR REPLACE INTO endpoint_socket (${SOCKET_COLUMNS.join(", ")}) VALUES (${SOCKET_COLUMNS.map(() => "?").join(", ")})`,
      ...SOCKET_COLUMNS.map((column) => {
        const value = row[column];
        return Array.isArray(value) ? JSON.stringify(value) : value;
      }),
    );
  }

  /** Takes the socket's next JSON-RPC id (0 first, as xiaozhi.me sends `initialize`). */
  takeRpcId(row: SocketRow): number {
    const id = row.next_rpc_id;
    row.next_rpc_id = id + 1;
    this.#sql.run("UPDATE endpoint_socket SET next_rpc_id = ? WHERE socket_id = ?", row.next_rpc_id, row.socket_id);
    return id;
  }

  deleteSocket(socketId: number): void {
    if (this.#exists()) this.#sql.run("DELETE FROM endpoint_socket WHERE socket_id = ?", socketId);
  }

  /** Forgets the endpoint and every socket row: all of the object's storage. */
  async deleteAll(): Promise<void> {
    this.#ready = false;
    await this.storage.deleteAll();
  }

  /** Forgets the endpoint and every socket row, leaving the object's other tables (its registered sessions). */
  dropEndpoint(): void {
    this.#ready = false;
    for (const table of ["endpoint_socket", "endpoint_state", "endpoint_meta"]) this.#sql.run(`DROP TABLE IF EXISTS ${table}`);
  }

  #exists(): boolean {
    if (!this.#ready) {
      this.#ready =
        this.#sql.first(TableRow, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'endpoint_meta'") !== null;
    }
    return this.#ready;
  }

  #ensure(): void {
    if (this.#exists()) return;
    this.#sql.run("CREATE TABLE IF NOT EXISTS endpoint_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    this.#sql.run(`CREATE TABLE IF NOT EXISTS endpoint_state (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      tenant TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      token_hash TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      next_socket INTEGER NOT NULL,
      tools_version INTEGER NOT NULL
    )`);
    this.#sql.run(`CREATE TABLE IF NOT EXISTS endpoint_socket (
      socket_id INTEGER PRIMARY KEY,
      label TEXT NOT NULL,
      phase TEXT NOT NULL,
      connected_at INTEGER NOT NULL,
      deadline INTEGER,
      pending_id INTEGER,
      next_rpc_id INTEGER NOT NULL,
      server_name TEXT,
      server_version TEXT,
      ping_id INTEGER,
      ping_sent_at INTEGER,
      last_pong_at INTEGER,
      tools TEXT NOT NULL,
      staged TEXT NOT NULL,
      error TEXT
    )`);
    this.#sql.run(
      "INSERT OR REPLACE INTO endpoint_meta (key, value) VALUES ('schema_version', ?)",
      String(CURRENT_SCHEMA_VERSION),
    );
    this.#ready = true;
  }
}
