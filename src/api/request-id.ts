/**
 * @module api/request-id
 * Gives every request an id: the caller's `X-Request-Id` when it is a plain token, otherwise a new one. The id
 * is on the context for log lines and answered in `X-Request-Id`, so a gateway's logs and the service's can be
 * matched line for line.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** What a caller's id may be: what gateways and proxies send (UUIDs, hex, `gw-…`), nothing that could forge a log line. */
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const requestId = (): MiddlewareHandler<AppEnv> =>
  async function requestId(c, next) {
    const given = c.req.header(REQUEST_ID_HEADER);
    const id = given !== undefined && PLAIN_ID.test(given) ? given : crypto.randomUUID();
    c.set("requestId", id);
    await next();
    // A WebSocket upgrade is answered by the session object as it is (its 101 carries the socket).
    if (c.res.status !== 101) c.header(REQUEST_ID_HEADER, id);
  };
