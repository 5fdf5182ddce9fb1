/**
 * @module durable-objects/session-alarm
 * When a session's one alarm must ring. It stands at the earliest of its reasons:
 * - idle expiry: `last_used_at` + the idle TTL, when the session is forgotten;
 * - the warning before it: {@link EXPIRY_WARNING_MS} before expiry (a quarter of a shorter TTL), when the
 *   session's listeners get `session_expiring`, once per expiry (using the session moves both);
 * - the device's vision-token renewal, while a relay is open with a token (re-initialise before it expires);
 * - the next idle upstream connection to close (an open upstream stream keeps the object from hibernating);
 * - the jobs: a finished one to delete after its retention, or an unfinished one whose timeout has passed (had
 *   the object been evicted meanwhile, the alarm finds it lost and ends it `failed`).
 */
import type { ServiceConfig } from "../src/config/schema";
import { MCP_SESSION_PREFIX } from "../src/contract/session";
import type { BindingRow } from "./session-storage";

/** How long before an idle session expires its listeners are warned (`session_expiring`). */
export const EXPIRY_WARNING_MS = 5 * 60_000;

/** Each reason's time (ms since the epoch); null when it does not apply now. */
export interface AlarmReasons {
  expiresAt: number;
  /** Null once the listeners were warned of this expiry. */
  warnAt: number | null;
  refreshAt: number | null;
  idleCloseAt: number | null;
  jobsAt: number | null;
}

/** How long the session may go unused: the MCP endpoint's own sessions have a TTL of their own. */
export function idleTtlSeconds(binding: BindingRow, config: ServiceConfig): number {
  const own = binding.session_id.startsWith(MCP_SESSION_PREFIX);
  return own ? config.mcp.session_idle_ttl_seconds : config.session.idle_ttl_seconds;
}

/** When the session expires if it goes unused from now on. */
export function expiresAt(binding: BindingRow, config: ServiceConfig): number {
  return binding.last_used_at + idleTtlSeconds(binding, config) * 1000;
}

/** When the session warns that it expires if it goes unused from now on. */
export function expiryWarningAt(binding: BindingRow, config: ServiceConfig): number {
  const ttlMs = idleTtlSeconds(binding, config) * 1000;
  return expiresAt(binding, config) - Math.min(EXPIRY_WARNING_MS, ttlMs / 4);
}

/** The time the alarm is set to: the earliest reason. */
export function nextAlarmAt(reasons: AlarmReasons): number {
  const { expiresAt, warnAt, refreshAt, idleCloseAt, jobsAt } = reasons;
  return Math.min(expiresAt, warnAt ?? Infinity, refreshAt ?? Infinity, idleCloseAt ?? Infinity, jobsAt ?? Infinity);
}
