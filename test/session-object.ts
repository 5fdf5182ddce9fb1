/**
 * @module test/session-object
 * The Durable Object behind a session, for tests that look into its storage, evict it or run its alarm.
 */
import { env } from "cloudflare:workers";
import { sessionStub } from "../src/api/session-calls";
import { TENANT_A_KEY, TEST_API_KEYS } from "./keys";

/** The object of `sessionId` within `tenant` (tenant A's unless given). */
export function sessionObject(sessionId: string, tenant: string = TEST_API_KEYS[TENANT_A_KEY]) {
  return sessionStub(env, tenant, sessionId);
}
