/**
 * @module api/session-calls
 * The Worker's calls into a session's Durable Object, shared by both APIs (REST and RPC): where a tenant's
 * session lives (one Durable Object per tenant and session id, so a tenant only ever reaches its own), its
 * expected failures as API errors, and the answers to binding and unbinding.
 */
import {
  type BindCommand,
  type ExecuteCommand,
  type ExecuteOutcome,
  LISTEN_PATH,
  type SessionOutcome,
} from "../../durable-objects/session-api";
import type { ExecutionResult } from "../contract/execution";
import type { BindAnswer, UnbindAnswer } from "../contract/session";
import type { Env } from "../env";
import { ApiError } from "../errors";
import { REQUEST_ID_HEADER } from "./request-id";

/** The Durable Object of `sessionId` within `tenant`. */
export function sessionStub(env: Env, tenant: string, sessionId: string) {
  return env.SESSIONS.getByName(JSON.stringify([tenant, sessionId]));
}

/** The value of a successful outcome; a failed one becomes the matching API error. */
export function unwrap<T>(outcome: SessionOutcome<T>): T {
  if (outcome.ok) return outcome.value;
  throw new ApiError(outcome.error.code, outcome.error.message, outcome.error.details);
}

/** Who a call is made for: the tenant, and the id of the request (the session's log lines for it carry it). */
export interface CallFor {
  tenant: string;
  requestId: string;
}

/** Binds `sessionId` (binding again updates it); `session_limit_reached` when the tenant has no seat left. */
export async function bindSession(
  env: Env,
  { tenant, requestId }: CallFor,
  sessionId: string,
  fields: Omit<BindCommand, "tenant" | "sessionId" | "request_id">,
): Promise<BindAnswer> {
  const command: BindCommand = { ...fields, tenant, sessionId, request_id: requestId };
  const outcome = unwrap(await sessionStub(env, tenant, sessionId).bind(command));
  const message = outcome.created ? "session bound" : "session binding updated";
  return { success: true, created: outcome.created, message, session: outcome.session };
}

/** Executes a tool of `sessionId`: its result (a failed execution included), and the source of the tool that ran. */
export async function executeTool(
  env: Env,
  { tenant, requestId }: CallFor,
  sessionId: string,
  command: Omit<ExecuteCommand, "request_id">,
): Promise<{ result: ExecutionResult; source: string | undefined }> {
  // The stub's type drops the success (its result holds `unknown` values, which RPC's types do not follow).
  const outcome = (await sessionStub(env, tenant, sessionId).execute({ ...command, request_id: requestId })) as ExecuteOutcome;
  if (outcome.ok) return { result: outcome.value, source: outcome.source };
  return unwrap(outcome);
}

/** Forgets `sessionId` and everything it holds; `session_not_found` when it was not bound. */
export async function unbindSession(env: Env, tenant: string, sessionId: string): Promise<UnbindAnswer> {
  const removed = await sessionStub(env, tenant, sessionId).unbind();
  if (!removed) throw new ApiError("session_not_found", `session "${sessionId}" is not bound`);
  return { success: true, message: "session unbound" };
}

/**
 * Makes the caller a listener of `sessionId`'s events: the session's answer to the upgrade, with the listener
 * socket (not accepted yet) as its `webSocket`, or, not upgraded, the session's error (not bound) as it answered
 * it. With `after`, the events after that id come first.
 */
export async function listenToSession(
  env: Env,
  { tenant, requestId }: CallFor,
  sessionId: string,
  after?: number,
): Promise<Response> {
  const url = new URL(`https://session${LISTEN_PATH}`);
  if (after !== undefined) url.searchParams.set("after", String(after));
  return sessionStub(env, tenant, sessionId).fetch(url, {
    headers: { Upgrade: "websocket", [REQUEST_ID_HEADER]: requestId },
  });
}
