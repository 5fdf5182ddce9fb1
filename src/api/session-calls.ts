/**
 * @module api/session-calls
 * The Worker's calls into a session's Durable Object, shared by both APIs (REST and RPC): where a tenant's
 * session lives (one Durable Object per tenant and session id, so a tenant only ever reaches its own), its
 * expected failures as API errors, and the answers to binding and unbinding.
 */
import type { BindCommand, SessionOutcome } from "../../durable-objects/session-api";
import type { BindAnswer, UnbindAnswer } from "../contract/session";
import type { Env } from "../env";
import { ApiError } from "../errors";

/** The Durable Object of `sessionId` within `tenant`. */
export function sessionStub(env: Env, tenant: string, sessionId: string) {
  return env.SESSIONS.getByName(JSON.stringify([tenant, sessionId]));
}

/** The value of a successful outcome; a failed one becomes the matching API error. */
export function unwrap<T>(outcome: SessionOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new ApiError(outcome.error.code, outcome.error.message, outcome.error.details);
}

/** Binds `sessionId` (binding again updates it); `session_limit_reached` when the tenant has no seat left. */
export async function bindSession(
  env: Env,
  tenant: string,
  sessionId: string,
  fields: Omit<BindCommand, "tenant" | "sessionId">,
): Promise<BindAnswer> {
  const outcome = unwrap(await sessionStub(env, tenant, sessionId).bind({ ...fields, tenant, sessionId }));
  const message = outcome.created ? "session bound" : "session binding updated";
  return { success: true, created: outcome.created, message, session: outcome.session };
}

/** Forgets `sessionId` and everything it holds; `session_not_found` when it was not bound. */
export async function unbindSession(env: Env, tenant: string, sessionId: string): Promise<UnbindAnswer> {
  const removed = await sessionStub(env, tenant, sessionId).unbind();
  if (!removed) throw new ApiError("session_not_found", `session "${sessionId}" is not bound`);
  return { success: true, message: "session unbound" };
}
