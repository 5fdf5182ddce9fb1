/**
 * @module sessions
 * Where a tenant's session lives: one Durable Object per (tenant, session id), so a tenant can only
 * ever reach its own sessions. Also maps a session's expected failures to API errors.
 */
import type { SessionOutcome } from "../durable-objects/session-api";
import type { Env } from "./env";
import { ApiError } from "./errors";

/** The Durable Object of `sessionId` within `tenant`. */
export function sessionStub(env: Env, tenant: string, sessionId: string) {
  return env.SESSIONS.getByName(JSON.stringify([tenant, sessionId]));
}

/** The value of a successful outcome; a failed one becomes the matching API error. */
export function unwrap<T>(outcome: SessionOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new ApiError(outcome.error.code, outcome.error.message);
}
