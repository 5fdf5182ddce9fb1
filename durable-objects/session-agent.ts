/**
 * @module durable-objects/session-agent
 * A session's registration with its agent's endpoint object (agent-endpoint-sessions.ts), so that the object
 * tells it at once when the agent's tools change: registered at every bind that names an agent, moved when a
 * rebind names another (or none), removed when the session is unbound or expires.
 *
 * Registering is awaited by the bind but never fails it: a session that could not register still sees the
 * change on its next listing (the catalog's version), and registers again at its next bind. Unregistering runs
 * in the background; when it fails, the agent's object drops the row the next time it tells the session,
 * which answers that it is no longer bound with that agent.
 */
import type { Env } from "../src/env";
import { loggerFor } from "../src/observability/env-logger";
import { endpointObjectName } from "../src/tools/endpoint/token";
import type { BindingRow } from "./session-storage";

/** The endpoint object of `agentId` within `tenant` (one per tenant and agent, see tools/endpoint/token). */
export function endpointStub(env: Env, tenant: string, agentId: string) {
  return env.AGENT_ENDPOINTS.getByName(endpointObjectName(tenant, agentId));
}

export class SessionAgent {
  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {}

  /** A bind wrote `row` over `existing`: leaves the agent it no longer names, registers with the one it names. */
  async bound(existing: BindingRow | null, row: BindingRow): Promise<void> {
    const left = existing?.agent_id && existing.agent_id !== row.agent_id ? existing : null;
    await Promise.all([left && this.#unregister(left), row.agent_id !== null && this.#register(row, row.agent_id)]);
  }

  /** The session was unbound or expired: it leaves its agent, in the background. */
  forgotten(binding: BindingRow): void {
    if (binding.agent_id !== null) this.ctx.waitUntil(this.#unregister(binding));
  }

  async #register(row: BindingRow, agentId: string): Promise<void> {
    try {
      await endpointStub(this.env, row.tenant, agentId).register({
        object_id: this.ctx.id.toString(),
        session_id: row.session_id,
        agent_id: agentId,
      });
    } catch (error) {
      // Its changes are seen on the next listing.
      loggerFor(this.env, { tenant: row.tenant, session: row.session_id }).warn("agent_register_failed", {
        agent: agentId,
        error: String(error),
      });
    }
  }

  async #unregister(binding: BindingRow): Promise<void> {
    if (binding.agent_id === null) return;
    try {
      await endpointStub(this.env, binding.tenant, binding.agent_id).unregister(this.ctx.id.toString());
    } catch (error) {
      // Dropped when it next tells the session.
      loggerFor(this.env, { tenant: binding.tenant, session: binding.session_id }).warn("agent_unregister_failed", {
        agent: binding.agent_id,
        error: String(error),
      });
    }
  }
}
