/**
 * @module api/request-log
 * One `request` line per request in the structured log (observability/log.ts), written once the answer is
 * known: method, route pattern (null for a path no route serves), status, duration, the tenant of the key, and
 * what the handler noted of the session, tool and tool source (see {@link noteRequest}); with the request's id.
 * Successes are `info`, 4xx answers `info` too (the gateway sees them), 5xx answers `error`.
 */
import type { Context, MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv } from "../env";
import { loggerFor } from "../observability/env-logger";
import type { LogFields } from "../observability/log";

/** The fields a handler can add to its request's line. */
export interface RequestNote {
  session?: string;
  tool?: string;
  source?: string;
}

export const requestLog = (): MiddlewareHandler<AppEnv> =>
  async function requestLog(c, next) {
    const started = Date.now();
    const note: LogFields = {};
    c.set("requestNote", note);
    await next();
    const status = c.res.status;
    const route = routePath(c, -1);
    loggerFor(c.env).log(status >= 500 ? "error" : "info", "request", {
      request_id: c.var.requestId,
      method: c.req.method,
      route: route.includes("*") ? null : route,
      status,
      duration_ms: Date.now() - started,
      tenant: c.var.tenant ?? null,
      session: null,
      tool: null,
      source: null,
      ...note,
    });
  };

/** Adds `fields` to the request's `request` line. */
export function noteRequest(c: Context<AppEnv>, fields: RequestNote): void {
  Object.assign(c.var.requestNote, fields);
}
