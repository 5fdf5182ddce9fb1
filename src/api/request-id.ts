/**
 * @module api/request-id
 * Gives every request an id: the caller's `X-Request-Id` when it is a plain token, else the `cf-ray` Cloudflare's
 * edge gave the request (deployed), else a new UUID. The id is on the context for log lines and error bodies and
 * answered in `X-Request-Id`, so a gateway's logs, the service's and Cloudflare's can be matched line for line.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";

export const REQUEST_ID_HEADER = "X-Request-Id";

/** What a caller's id may be: what gateways and proxies send (UUIDs, hex, `gw-…`), nothing that could forge a log line. */
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The id Cloudflare's edge gives each request it passes to a Worker (absent under `wrangler dev`). */
const CF_RAY_HEADER = "cf-ray";

function plain(value: string | undefined): string | undefined {
  return value !== undefined && PLAIN_ID.test(value) ? value : undefined;
}

export const requestId = (): MiddlewareHandler<AppEnv> =>
  async function requestId(c, next) {
    const id = plain(c.req.header(REQUEST_ID_HEADER)) ?? plain(c.req.header(CF_RAY_HEADER)) ?? crypto.randomUUID();
    c.set("requestId", id);
    await next();
    // A WebSocket upgrade is answered by the session object as it is (its 101 carries the socket).
    if (c.res.status !== 101) c.header(REQUEST_ID_HEADER, id);
  };
