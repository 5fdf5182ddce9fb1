/**
 * @module durable-objects/agent-endpoint-sessions
 * The sessions bound with an agent, as its endpoint object knows them: each registers when it binds with the
 * agent and unregisters when it unbinds, rebinds to another agent or expires (session-agent.ts), and the
 * object tells every one of them at once when the offered tools change, so each lists again and its
 * `tools_changed` event goes out without anyone listing.
 *
 * ## Why a table, and why it heals itself
 * The set lives in SQLite (`endpoint_session`), so neither object's hibernation or eviction loses it, and it
 * outlives the endpoint's token: a session bound before the endpoint exists, or across a revoke and a new
 * issue, still hears of the servers that connect later. A session that no longer names this agent (unbound, or
 * its unregistering failed) answers false when told, and its row is dropped then; a session that cannot be
 * reached keeps its row and is told again on the next change.
 *
 * Telling costs one RPC per registered session per change, in the background (`waitUntil`), never on the tool
 * side's path; their number is bounded by the tenant's `limits.max_sessions_per_tenant`.
 */
import { z } from "zod";
import type { Env } from "../src/env";
import { loggerFor } from "../src/observability/env-logger";
import { Sql } from "./sql";

/** A session bound with the agent: its object's id (hex), and the ids it is known by. */
export interface SessionRegistration {
  object_id: string;
  session_id: string;
  agent_id: string;
}

const RegistrationRow = z.object({ object_id: z.string(), session_id: z.string(), agent_id: z.string() });

const TableRow = z.object({ name: z.string() });

const CountRow = z.object({ n: z.number().int() });

export class EndpointSessions {
  readonly #sql: Sql;
  #ready = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    this.#sql = new Sql(ctx.storage.sql, loggerFor(env));
  }

  /** Adds (or refreshes) the session's registration. */
  register(session: SessionRegistration): void {
    this.#ensure();
    this.#sql.run(
      "INSERT OR REPLACE INTO endpoint_session (object_id, session_id, agent_id, registered_at) VALUES (?, ?, ?, ?)",
      session.object_id,
      session.session_id,
      session.agent_id,
      Date.now(),
    );
  }

  /** Removes the session's registration, if it had one. */
  unregister(objectId: string): void {
    if (this.#exists()) this.#sql.run("DELETE FROM endpoint_session WHERE object_id = ?", objectId);
  }

  /** How many sessions are registered. */
  count(): number {
    if (!this.#exists()) return 0;
    return this.#sql.first(CountRow, "SELECT COUNT(*) AS n FROM endpoint_session")?.n ?? 0;
  }

  /** Tells every registered session, in the background, that the tools changed (`version`: the catalog's new one). */
  notifyAll(version: number | null): void {
    if (!this.#exists()) return;
    const sessions = this.#sql.rows(RegistrationRow, "SELECT object_id, session_id, agent_id FROM endpoint_session");
    if (sessions.length === 0) return;
    this.ctx.waitUntil(Promise.all(sessions.map((session) => this.#notify(session, version))));
  }

  /** The tables are gone (storage.deleteAll()): they are created again on next use. */
  dropped(): void {
    this.#ready = false;
  }

  async #notify(session: SessionRegistration, version: number | null): Promise<void> {
    try {
      const stub = this.env.SESSIONS.get(this.env.SESSIONS.idFromString(session.object_id));
      const bound = await stub.endpointToolsChanged(session.agent_id, version);
      if (!bound) this.unregister(session.object_id);
    } catch (error) {
      // Told again on the next change.
      loggerFor(this.env).warn("agent_push_failed", {
        session: session.session_id,
        agent: session.agent_id,
        error: String(error),
      });
    }
  }

  #exists(): boolean {
    if (!this.#ready) {
      this.#ready =
        this.#sql.first(TableRow, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'endpoint_session'") !== null;
    }
    return this.#ready;
  }

  #ensure(): void {
    if (this.#exists()) return;
    this.#sql.run(`CREATE TABLE IF NOT EXISTS endpoint_session (
      object_id TEXT PRIMARY KEY,
      session_id TEXT NOT NULL,
      agent_id TEXT NOT NULL,
      registered_at INTEGER NOT NULL
    )`);
    this.#ready = true;
  }
}
