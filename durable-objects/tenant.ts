/**
 * @module durable-objects/tenant
 * One tenant's Durable Object: the set of its bound sessions, the one place they are counted, so that
 * `limits.max_sessions_per_tenant` can cap them (and a metrics gauge can read the count); and how its sessions
 * last saw each external server.
 *
 * ## Storage layout
 * - `tenant_session(session_id PRIMARY KEY, seated_at)`: one row per bound session (ms since epoch).
 * - `tenant_server(server PRIMARY KEY, health, breaker, reason, session_id, seen_at)`: the last change one of the
 *   tenant's sessions reported of each external server ({@link TenantObject.recordServerEvent}): the tenant-wide
 *   view operators read without a session id. Written only when a session sees a change (a server going down or
 *   coming back, a circuit opening or closing), never per request.
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
import { loggerFor } from "../src/observability/env-logger";
import type { ServerEvent } from "../src/tools/external/server-slot";
import type { ServerSighting } from "../src/tools/external/status";
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

const ServerRow = z.object({
  server: z.string(),
  health: z.enum(["up", "down"]),
  breaker: z.enum(["closed", "open"]).nullable(),
  reason: z.string().nullable(),
  session_id: z.string(),
  seen_at: z.number().int(),
});

export class TenantObject extends DurableObject<Env> {
  readonly #sql: Sql;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = new Sql(ctx.storage.sql, loggerFor(env));
    this.#sql.run("CREATE TABLE IF NOT EXISTS tenant_session (session_id TEXT PRIMARY KEY, seated_at INTEGER NOT NULL)");
    this.#sql.run(
      "CREATE TABLE IF NOT EXISTS tenant_server (server TEXT PRIMARY KEY, health TEXT NOT NULL, breaker TEXT, " +
        "reason TEXT, session_id TEXT NOT NULL, seen_at INTEGER NOT NULL)",
    );
  }

  /** Keeps what a session saw change of a server: its health, or its circuit (the other field stays as it was). */
  recordServerEvent(sessionId: string, event: ServerEvent): void {
    const now = Date.now();
    const known = this.#sql.first(ServerRow, "SELECT * FROM tenant_server WHERE server = ?", event.server);
    const down = event.kind === "upstream_down";
    const health = event.kind === "upstream_up" ? "up" : down ? "down" : (known?.health ?? "up");
    const breaker =
      event.kind === "breaker_opened" ? "open" : event.kind === "breaker_closed" ? "closed" : (known?.breaker ?? null);
    const reason =
      down || event.kind === "breaker_opened" ? (event.reason ?? null) : health === "up" ? null : (known?.reason ?? null);
    this.#sql.run(
      "INSERT OR REPLACE INTO tenant_server (server, health, breaker, reason, session_id, seen_at) VALUES (?, ?, ?, ?, ?, ?)",
      event.server,
      health,
      breaker,
      reason,
      sessionId,
      now,
    );
  }

  /** What the tenant's sessions last saw of each server that one of them reported. */
  serverSightings(): ServerSighting[] {
    return this.#sql.rows(ServerRow, "SELECT * FROM tenant_server").map((row) => ({ ...row, seen_at: new Date(row.seen_at) }));
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
