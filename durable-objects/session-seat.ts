/**
 * @module durable-objects/session-seat
 * A session's seat among its tenant's bound sessions (counted by the tenant's object, durable-objects/tenant.ts):
 * taken before a binding is written, given back when the bind fails, the session is unbound or it expires.
 *
 * ## Giving a seat back when the tenant's object cannot be reached
 * The session's own storage is gone by then, so it keeps one note (`pending_seat_release`, in the object's
 * key-value storage) and sets its alarm: the alarm of an unbound session retries the release every
 * {@link RELEASE_RETRY_MS} until it goes through, then deletes the note. Binding the session again meanwhile is
 * harmless: it is still seated, so its bind keeps that seat; the next unbind or expiry frees it.
 */
import { z } from "zod";
import type { Env } from "../src/env";
import { loggerFor } from "../src/observability/env-logger";
import { failure, type SessionFailure } from "./session-api";
import { tenantStub } from "./tenant";

const PENDING_RELEASE_KEY = "pending_seat_release";
const RELEASE_RETRY_MS = 30_000;

const PendingRelease = z.object({ tenant: z.string(), session_id: z.string() });
type PendingRelease = z.infer<typeof PendingRelease>;

/** A seat the bind holds: `added` when it is new, so a bind that fails gives it back. */
export type SeatTaken = { ok: true; added: boolean };

export class SessionSeat {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {}

  /**
   * A seat for the session about to be bound, or `session_limit_reached` when the tenant has `cap` bound already.
   * A session bound already (`bound`) always keeps or gets its one seat.
   */
  async take(tenant: string, sessionId: string, cap: number, bound: boolean): Promise<SeatTaken | SessionFailure> {
    const outcome = await tenantStub(this.env, tenant).takeSeat({ sessionId, cap, bound });
    if (outcome.ok) return { ok: true, added: outcome.added };
    // A refusal the gateway sees (`session_limit_reached`).
    loggerFor(this.env, { tenant, session: sessionId }).info("session_cap_reached", { cap });
    return failure(
      "session_limit_reached",
      `tenant "${tenant}" has ${outcome.seated} bound sessions, the most limits.max_sessions_per_tenant allows: ` +
        "unbind one (or let one expire) first",
      { limit: cap, bound: outcome.seated },
    );
  }

  /** Gives the seat back; when the tenant's object cannot be reached, notes it and lets the alarm retry. */
  async release(tenant: string, sessionId: string): Promise<void> {
    if (await this.#tryRelease({ tenant, session_id: sessionId })) return;
    await this.ctx.storage.put(PENDING_RELEASE_KEY, { tenant, session_id: sessionId });
    await this.ctx.storage.setAlarm(Date.now() + RELEASE_RETRY_MS);
  }

  /** The alarm of an unbound session: retries a noted release. True when none is left pending. */
  async retryPending(): Promise<boolean> {
    const note = PendingRelease.safeParse(await this.ctx.storage.get(PENDING_RELEASE_KEY));
    if (!note.success || (await this.#tryRelease(note.data))) return true;
    await this.ctx.storage.setAlarm(Date.now() + RELEASE_RETRY_MS);
    return false;
  }

  async #tryRelease(seat: PendingRelease): Promise<boolean> {
    try {
      await tenantStub(this.env, seat.tenant).releaseSeat(seat.session_id);
      return true;
    } catch (error) {
      // Retried by the alarm.
      loggerFor(this.env, { tenant: seat.tenant, session: seat.session_id }).error("seat_release_failed", {
        error: String(error),
      });
      return false;
    }
  }
}
