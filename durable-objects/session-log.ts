/**
 * @module durable-objects/session-log
 * What a session writes to the structured log (src/observability/log.ts): the failures a gateway does not see in
 * an HTTP status, each as one line with the session's tenant and id, and the request's id when a request caused
 * it. Every moment has its one method here, so whatever else must hear of it (the session's event stream) is
 * wired in one place.
 *
 * | event | level | when |
 * |---|---|---|
 * | `execution_failed` | warn | an execute answered `success: false` (`code`, `message`; `device_timeout` among them) |
 * | `tool_schema_invalid` | warn | a call found its tool's input schema unusable (`problem`): it and later calls run unchecked |
 * | `upstream_down`, `upstream_up` | warn, info | the session's connection to an external server failed, or is ready again |
 * | `breaker_opened`, `breaker_closed` | warn, info | a server's circuit opened (calls fail fast), or closed again |
 * | `relay_opened`, `relay_replaced`, `relay_closed` | info | the device relay opened, was replaced by a newer one, or closed |
 * | `session_expired` | info | the alarm forgot a session idle past its TTL |
 *
 * A server's changes are also kept by the tenant's object (tenant.ts), the tenant-wide view of its servers.
 *
 * The session's collaborators write their own lines (a failed upstream connect, a dropped device frame, a job
 * that failed unexpectedly, …; listed in the README's Logs section) on the logger {@link SessionLog.logger} gives
 * them, which carries the session's tenant and id.
 */
import type { Env } from "../src/env";
import { loggerFor } from "../src/observability/env-logger";
import type { LogFields, Logger } from "../src/observability/log";
import type { ServerEvent } from "../src/tools/external/server-slot";
import type { FinishedCall } from "./session-execution";
import { tenantStub } from "./tenant";

/** Who the session is, on every line. */
export interface SessionKey {
  tenant: string;
  session_id: string;
}

export class SessionLog {
  constructor(
    private readonly env: Env,
    /** Keeps the object alive for work the caller does not wait for. */
    private readonly waitUntil: (promise: Promise<unknown>) => void,
  ) {}

  /**
   * An execution answered: a failed one is logged with its code and message. Refused arguments are logged by
   * field and rule only: the message quotes the values refused. A tool's own error (`tool_error`: what the upstream,
   * the device or the endpoint's server answered) is logged by its code only, since such answers often quote the
   * arguments they refused. A call that found its tool's input schema unusable logs why, whatever it answered.
   */
  execution(key: SessionKey, requestId: string | undefined, call: FinishedCall): void {
    if (call.unusableSchema !== undefined) {
      this.logger(key).warn("tool_schema_invalid", {
        request_id: requestId,
        tool: call.tool?.name,
        source: call.tool?.source,
        server: call.tool?.server,
        problem: call.unusableSchema,
      });
    }
    const { error } = call.result;
    if (call.result.success || !error) return;
    const refused = error.code === "invalid_arguments";
    const quotesInput = refused || error.code === "tool_error";
    this.logger(key).warn("execution_failed", {
      request_id: requestId,
      tool: call.name,
      source: call.tool?.source,
      code: error.code,
      message: quotesInput ? undefined : error.message,
      fields: refused ? fieldsAndRules(error.details) : undefined,
    });
  }

  /** A server's health changed as this session sees it: logged, and kept in the tenant's view of its servers. */
  server(key: SessionKey, event: ServerEvent): void {
    const bad = event.kind === "upstream_down" || event.kind === "breaker_opened";
    const logger = this.logger(key);
    logger.log(bad ? "warn" : "info", event.kind, { server: event.server, reason: event.reason });
    this.waitUntil(
      tenantStub(this.env, key.tenant)
        .recordServerEvent(key.session_id, event)
        .catch((error: unknown) => logger.warn("server_view_not_updated", { server: event.server, error: String(error) })),
    );
  }

  /** The device relay changed: `relay` is its generation, `fields` say more (a close's reason). */
  relay(key: SessionKey, change: "opened" | "replaced" | "closed", relay: number, fields: LogFields = {}): void {
    this.logger(key).info(`relay_${change}`, { relay, ...fields });
  }

  /** The alarm found the session idle past its TTL and forgot it. */
  expired(key: SessionKey, idleSeconds: number): void {
    this.logger(key).info("session_expired", { idle_seconds: idleSeconds });
  }

  /**
   * The session's logger, at the configured level, for a collaborator's own lines: with the session's tenant and
   * id when `key` is given (null: a part built before the session is known to it, whose lines name it themselves).
   */
  logger(key: SessionKey | null): Logger {
    return loggerFor(this.env, key === null ? {} : { tenant: key.tenant, session: key.session_id });
  }
}

/** The `{field, rule}` of each refused argument, without the messages (which quote values). */
function fieldsAndRules(details: unknown): Array<{ field: unknown; rule: unknown }> {
  if (!Array.isArray(details)) return [];
  return details.flatMap((detail: unknown) =>
    typeof detail === "object" && detail !== null && "field" in detail && "rule" in detail
      ? [{ field: detail.field, rule: detail.rule }]
      : [],
  );
}
