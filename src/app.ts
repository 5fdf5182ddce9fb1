/**
 * @module app
 * Composes the Worker's HTTP surface: health, readiness and API docs (no auth), the authenticated `/api/v1` routes and
 * `mcp.MCPService` over Connect and gRPC-Web (both behind the API key, the config check and the tenant's rate
 * limit), and one error model for everything, including unknown routes (404)
 * and wrong methods (405).
 */
import { OpenAPIHono, createRoute } from "@hono/zod-openapi";
import type { Hook } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import packageJson from "../package.json";
import { registerMetricsScrape } from "./api/metrics-scrape";
import { rateLimit } from "./api/rate-limit";
import { registerMcpRoutes } from "./api/mcp/routes";
import { registerDocs } from "./api/rest/docs";
import { registerReady } from "./api/rest/ready";
import { registerEndpointRoutes, registerEndpointSocket } from "./api/rest/endpoint-routes";
import { registerRestRoutes } from "./api/rest/routes";
import { requestId } from "./api/request-id";
import { requestLog } from "./api/request-log";
import { SplitRouter } from "./api/router";
import { HealthResponse } from "./api/rest/schemas";
import { connectApp } from "./api/rpc/connect-adapter";
import { toConnectError } from "./api/rpc/connect-errors";
import { mcpService } from "./api/rpc/mcp-service";
import { apiKeyAuth } from "./auth";
import { loadConfig, requireConfig } from "./config/load";
import type { AppEnv } from "./env";
import { ApiError } from "./errors";
import { MCPService } from "./gen/mcp/service_pb";
import { loggerFor } from "./observability/env-logger";
import { errorText } from "./observability/log";
import { fieldIssues, invalidRequest } from "./validation";

export const SERVICE_NAME = "xiaozhi-mcp-service";
export const SERVICE_VERSION = packageJson.version;

const TARGET_NAMES: Record<string, string> = {
  json: "request body",
  query: "query parameters",
  param: "path parameters",
  header: "headers",
};

/** A failed schema check is a 400 naming each field and the rule it broke. */
const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (result.success) return;
  throw invalidRequest(TARGET_NAMES[result.target] ?? result.target, fieldIssues(result.error));
};

const withConfig = (): MiddlewareHandler<AppEnv> =>
  async function withConfig(c, next) {
    c.set("config", requireConfig(c.env));
    await next();
  };

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  tags: ["service"],
  summary: "Liveness, with the version (no auth)",
  description:
    "Answers while the Worker runs. `degraded` with `config: invalid` when the configuration is invalid: the API " +
    "then answers 503 `config_invalid` with the details, which this unauthenticated route does not show. " +
    "`degraded` with `config: partial` when some external servers' entries cannot be used (a `${VAR}` that is " +
    "not set): everything else works, and `GET /api/v1/mcp/servers` shows those servers as `invalid` with why.",
  security: [],
  responses: {
    200: {
      description: "The service is up",
      content: {
        "application/json": {
          schema: HealthResponse,
          examples: {
            ok: { summary: "Ready", value: { status: "ok", service: SERVICE_NAME, version: SERVICE_VERSION, config: "ok" } },
            degraded: {
              summary: "The configuration is invalid",
              value: { status: "degraded", service: SERVICE_NAME, version: SERVICE_VERSION, config: "invalid" },
            },
            partial: {
              summary: "Some external servers cannot be used as configured",
              value: { status: "degraded", service: SERVICE_NAME, version: SERVICE_VERSION, config: "partial" },
            },
          },
        },
      },
    },
  },
});

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook, router: new SplitRouter() });
  app.use("*", requestId(), requestLog());

  app.openapi(healthRoute, (c) => {
    const loaded = loadConfig(c.env);
    // Unauthenticated: say only how usable the config is; the API answers with the details.
    const config = !loaded.ok ? "invalid" : loaded.config.mcpServers.some((s) => s.kind === "invalid") ? "partial" : "ok";
    return c.json({ status: config === "ok" ? "ok" : "degraded", service: SERVICE_NAME, version: SERVICE_VERSION, config }, 200);
  });

  registerReady(app);

  // Pipes send no API key: the endpoint's token in the query string is the credential.
  registerEndpointSocket(app);

  app.use("/api/*", apiKeyAuth(), withConfig(), rateLimit());
  registerRestRoutes(app);
  registerEndpointRoutes(app);
  registerMcpRoutes(app, { name: SERVICE_NAME, version: SERVICE_VERSION });

  // The same API over Connect and gRPC-Web at /mcp.MCPService/<Rpc>, behind the same middleware.
  app.route(
    "/",
    connectApp({
      routes: (router) => router.service(MCPService, mcpService),
      middleware: [apiKeyAuth(), withConfig(), rateLimit()],
      toConnectError,
    }),
  );

  // The Prometheus scrape, behind its own credential (not an API key).
  registerMetricsScrape(app);

  registerDocs(app, SERVICE_VERSION);

  answerWrongMethods(app);
  app.notFound((c) =>
    new ApiError("not_found", `no route ${c.req.method} ${new URL(c.req.url).pathname}`).toResponse(c.var.requestId),
  );
  app.onError((err, c) => {
    if (err instanceof ApiError) return err.toResponse(c.var.requestId);
    if (err instanceof HTTPException && err.status < 500) {
      return new ApiError("invalid_request", err.message).toResponse(c.var.requestId);
    }
    loggerFor(c.env).error("unhandled_error", { request_id: c.var.requestId, error: errorText(err) });
    return new ApiError("internal", "internal error").toResponse(c.var.requestId);
  });
  return app;
}

/** Every known path answers 405 with `Allow` for the methods it does not serve. */
function answerWrongMethods(app: OpenAPIHono<AppEnv>): void {
  const methodsByPath = new Map<string, Set<string>>();
  for (const { path, method } of app.routes) {
    if (method === "ALL" || path.includes("*")) continue;
    const methods = methodsByPath.get(path) ?? new Set<string>();
    methods.add(method);
    if (method === "GET") methods.add("HEAD");
    methodsByPath.set(path, methods);
  }
  for (const [path, methods] of methodsByPath) {
    const allow = [...methods].join(", ");
    app.all(path, (c) => {
      throw new ApiError("method_not_allowed", `${c.req.method} is not allowed on ${path}; use ${allow}`, undefined, {
        Allow: allow,
      });
    });
  }
}
