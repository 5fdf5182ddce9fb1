/**
 * @module api/rpc/connect-adapter
 * Serves Connect services inside the Hono app, the connect-express way: each procedure of the Connect router
 * becomes a route of a sub-app, behind the same middleware as the REST routes (API key, config). This file
 * only converts between Hono's fetch world and Connect's universal handlers; what the rpcs do lives in their
 * service file.
 *
 * - Errors keep each protocol's wire format: whatever the middleware throws (a 401, a 503) is handed to the
 *   procedure's own handler, whose request gate throws it, as a ConnectError, before the body is read.
 * - The body is read up to `limits.max_body_bytes`, as for REST, and checked (request-checks.ts) before
 *   Connect parses it; Connect's bare 405 and 415 answers get an error body saying what is accepted. Binary
 *   messages are decoded as deep as the contract lets JSON nest (request-checks.ts).
 * - Native gRPC is off: a Worker cannot send HTTP trailers. Connect and gRPC-Web are served; in production,
 *   Cloudflare's edge converts native gRPC to gRPC-Web in front of the Worker.
 * - Unknown procedures are not routes here, so they reach the app's 404.
 */
import {
  type ConnectError,
  type ConnectRouter,
  createConnectRouter,
  createContextKey,
  createContextValues,
  type Interceptor,
} from "@connectrpc/connect";
import {
  createAsyncIterable,
  type UniversalHandler,
  type UniversalServerRequest,
  universalServerResponseToFetch,
} from "@connectrpc/connect/protocol";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { loggerFor } from "../../observability/env-logger";
import { Logger } from "../../observability/log";
import { readBodyCapped } from "../read-body";
import { noteRequest } from "../request-log";
import { kCaller } from "./caller";
import { BINARY_READ_OPTIONS, checkRequest, explainRefusal, kRequestBody } from "./request-checks";

/** What {@link connectApp} serves, and behind what. */
export interface ConnectAppOptions {
  /** Registers the services on the router. */
  routes: (router: ConnectRouter) => void;
  /** Runs before every procedure, as on the REST routes; sets `tenant` and `config` on the context. */
  middleware: MiddlewareHandler<AppEnv>[];
  /** What the middleware or an rpc threw, as the error the client gets (an unexpected one logged on `logger`). */
  toConnectError: (err: unknown, logger: Logger) => ConnectError;
}

/** Set when the middleware rejected the call: the request gate throws it. */
const kRejection = createContextKey<{ error: unknown } | undefined>(undefined, { description: "the middleware's rejection" });
/** The request's logger, with its id: {@link serve} sets it for every request, before any error can be mapped. */
const kLogger = createContextKey<Logger>(new Logger("info"), { description: "the request's logger" });

/** A Hono app serving the router's procedures at their paths (`/mcp.MCPService/GetTools`, …); mount it at `/`. */
export function connectApp({ routes, middleware, toConnectError }: ConnectAppOptions): Hono<AppEnv> {
  const mapErrors: Interceptor = (next) => async (req) => {
    try {
      return await next(req);
    } catch (err) {
      throw toConnectError(err, req.contextValues.get(kLogger));
    }
  };
  const router = createConnectRouter({
    grpc: false,
    interceptors: [mapErrors],
    requestGate(ctx) {
      const rejection = ctx.values.get(kRejection);
      const logger = ctx.values.get(kLogger);
      if (rejection) throw toConnectError(rejection.error, logger);
      checkRequest(ctx, (err) => toConnectError(err, logger));
    },
    // JSON answers show every field, as the REST API's do (proto3 would leave out false, 0 and "").
    jsonOptions: { alwaysEmitImplicit: true },
    binaryOptions: BINARY_READ_OPTIONS,
  });
  routes(router);

  const handlers = new Map(router.handlers.map((handler) => [handler.requestPath, handler]));
  const app = new Hono<AppEnv>();
  for (const [path, handler] of handlers) {
    app.use(path, ...middleware);
    app.all(path, (c) => serve(handler, c, toConnectError));
  }
  app.onError((err, c) => {
    const handler = handlers.get(c.req.path);
    if (!handler) throw err;
    return serve(handler, c, toConnectError, { error: err });
  });
  return app;
}

async function serve(
  handler: UniversalHandler,
  c: Context<AppEnv>,
  toConnectError: ConnectAppOptions["toConnectError"],
  rejection?: { error: unknown },
): Promise<Response> {
  const values = createContextValues();
  const logger = loggerFor(c.env, { request_id: c.var.requestId });
  values.set(kLogger, logger);
  let body: Uint8Array = new Uint8Array();
  if (rejection) {
    values.set(kRejection, rejection);
  } else {
    values.set(kCaller, {
      env: c.env,
      tenant: c.var.tenant,
      config: c.var.config,
      requestId: c.var.requestId,
      note: (fields) => noteRequest(c, fields),
    });
    body = await readBodyCapped(c.req.raw, c.var.config.limits.max_body_bytes);
    values.set(kRequestBody, body);
  }
  const request: UniversalServerRequest = {
    httpVersion: "1.1",
    method: c.req.method,
    url: c.req.url,
    header: c.req.raw.headers,
    body: createAsyncIterable([body]),
    signal: c.req.raw.signal,
    contextValues: values,
  };
  return universalServerResponseToFetch(
    explainRefusal(handler, c.req.raw, await handler(request), (err) => toConnectError(err, logger)),
  );
}
