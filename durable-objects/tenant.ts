/**
 * @module durable-objects/tenant
 * One tenant's Durable Object: the set of its bound sessions, the one place they are counted, so that
 * `limits.max_sessions_per_tenant` can cap them (and a metrics gauge can read the count).
 *
 * ## Storage layout
 * - `tenant_session(session_id PRIMARY KEY, seated_at)`: one row per bound session (ms since epoch).
 *
 * ## Lifecycle
 * A session's object takes a seat before it writes a new binding ({@link TenantObject.takeSeat}), gives it back
 * if that write fails, and when it is unbound or expires ({@link TenantObject.releaseSeat}). Every method is one
 * synchronous transaction over SQLite, so concurrent binds of one tenant cannot both take the last seat, and an
 * evicted object loses nothing: the next call (an expiry included) wakes it with the set as it was.
 * A session bound before this object counted (or whose bind was cut off between its seat and its write) is
 * seated again by its next bind: a session already bound always gets its seat, whatever the count.
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { Env } from "../src/env";
import { Sql } from "./sql";

/** What asking for a seat answers: `added` when the session was not seated before (only then is it given back on failure). */
export type SeatOutcome = { ok: true; added: boolean; seated: number } | { ok: false; seated: number };

export interface SeatRequest {
  sessionId: string;
  /** The most sessions the tenant may have bound. */
  cap: number;
  /** The session is bound already (a rebind): it is seated whatever the count, never twice. */
  bound: boolean;
}

const CountRow = z.object({ n: z.number().int() });

export class TenantObject extends DurableObject<Env> {
  readonly #sql: Sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = new Sql(ctx.storage.sql);
    this.#sql.run("CREATE TABLE IF NOT EXISTS tenant_session (session_id TEXT PRIMARY KEY, seated_at INTEGER NOT NULL)");
  }

  /** Seats `sessionId` unless the tenant is at its cap; a session already seated keeps its one seat. */
  takeSeat({ sessionId, cap, bound }: SeatRequest): SeatOutcome {
    const seated = this.boundSessions();
    if (this.#isSeated(sessionId)) return { ok: true, added: false, seated };
    if (!bound && seated >= cap) return { ok: false, seated };
    this.#sql.run("INSERT INTO tenant_session (session_id, seated_at) VALUES (?, ?)", sessionId, Date.now());
    return { ok: true, added: true, seated: seated + 1 };
  }

  /** Frees the seat of `sessionId` (unbound, expired, or its bind failed); nothing when it had none. */
  releaseSeat(sessionId: string): void {
    this.#sql.run("DELETE FROM tenant_session WHERE session_id = ?", sessionId);
  }

  /** How many sessions the tenant has bound now. */
  boundSessions(): number {
    return this.#sql.first(CountRow, "SELECT COUNT(*) AS n FROM tenant_session")?.n ?? 0;
  }

  #isSeated(sessionId: string): boolean {
    return this.#sql.first(CountRow, "SELECT COUNT(*) AS n FROM tenant_session WHERE session_id = ?", sessionId)?.n === 1;
  }
}

/** The Durable Object of `tenant`. */
export function tenantStub(env: Env, tenant: string) {
  return env.TENANTS.getByName(tenant);
}
