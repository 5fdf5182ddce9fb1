/**
 * @module durable-objects/session-alarm
 * When a session's one alarm must ring. It stands at the earliest of four reasons:
 * - idle expiry: `last_used_at` + the idle TTL, when the session is forgotten;
 * - the device's vision-token renewal, while a relay is open with a token (re-initialise before it expires);
 * - the next idle upstream connection to close (an open upstream stream keeps the object from hibernating);
 * - the jobs: a finished one to delete after its retention, or an unfinished one whose timeout has passed (had
 *   the object been evicted meanwhile, the alarm finds it lost and ends it `failed`).
 */
import type { ServiceConfig } from "../src/config/schema";
import type { BindingRow } from "./session-storage";

/** Each reason's time (ms since the epoch); null when it does not apply now. */
export interface AlarmReasons {
  expiresAt: number;
  refreshAt: number | null;
  idleCloseAt: number | null;
  jobsAt: number | null;
}

/** When the session expires if it goes unused from now on. */
export function expiresAt(binding: BindingRow, config: ServiceConfig): number {
  return binding.last_used_at + config.session.idle_ttl_seconds * 1000;
}

/** The time the alarm is set to: the earliest reason. */
export function nextAlarmAt(reasons: AlarmReasons): number {
  return Math.min(reasons.expiresAt, reasons.refreshAt ?? Infinity, reasons.idleCloseAt ?? Infinity, reasons.jobsAt ?? Infinity);
}
