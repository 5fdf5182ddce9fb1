/**
 * @module api/metrics-scrape
 * `GET /metrics`: the seed's Prometheus metrics for every tenant, behind their own scrape credential (the
 * `METRICS_TOKEN` secret, never a tenant's API key). Executions are added up from every tenant's metrics shards
 * (durable-objects/metrics); `mcp_active_sessions` is the sum of the tenants' bound-session counts, which their
 * tenant objects keep for the session cap (durable-objects/tenant). The tenants are those the API keys name: a
 * tenant whose keys were removed is no longer shown.
 */
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { METRICS_SHARDS, metricsStub } from "../../durable-objects/metrics";
import { tenantStub } from "../../durable-objects/tenant";
import { bearerToken, configuredTenants, sameSecret } from "../auth";
import type { AppEnv, Env } from "../env";
import { ApiError } from "../errors";
import { mergeSeries } from "../observability/metrics-model";
import { type MetricsSnapshot, PROMETHEUS_CONTENT_TYPE, renderMetrics } from "../observability/metrics-text";
import { errorResponses } from "./rest/error-responses";

const metricsRoute = createRoute({
  method: "get",
  path: "/metrics",
  operationId: "getMetrics",
  tags: ["service"],
  summary: "The Prometheus metrics (the scrape credential, not an API key)",
  description:
    "`mcp_tool_execution_duration_seconds` (histogram) and `mcp_tool_execution_total` (counter), labelled " +
    "`tool_name` and `status`, and the gauge `mcp_active_sessions`, over every tenant, in the Prometheus text " +
    "format. Needs `Authorization: Bearer <METRICS_TOKEN>`; answers 503 while no `METRICS_TOKEN` is configured.",
  security: [{ metricsToken: [] }],
  responses: {
    200: {
      description: "The metrics in the Prometheus text format (version 0.0.4)",
      content: {
        "text/plain": {
          schema: z.string(),
          example:
            '# TYPE mcp_tool_execution_total counter\nmcp_tool_execution_total{tool_name="local_get_time",status="success"} 1\n',
        },
      },
    },
    ...errorResponses("unauthorized", "not_configured", "config_invalid"),
  },
});

/** Serves `GET /metrics` and puts it, with its credential's scheme, in the API document. */
export function registerMetricsScrape(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "metricsToken", {
    type: "http",
    scheme: "bearer",
    description: "The `METRICS_TOKEN` secret (`npm start`: `dev-metrics-token`)",
  });
  app.openapi(metricsRoute, metricsScrape);
}

/** Answers the scrape, or 503 `not_configured` without `METRICS_TOKEN`, 401 without the right one. */
async function metricsScrape(c: Context<AppEnv>) {
  const secret = c.env.METRICS_TOKEN;
  if (secret === undefined || secret.trim() === "") {
    throw new ApiError(
      "not_configured",
      "no metrics scrape credential is configured: set the METRICS_TOKEN secret (wrangler secret put METRICS_TOKEN)",
    );
  }
  const presented = bearerToken(c.req.header("Authorization"));
  if (presented === undefined || !(await sameSecret(presented, secret))) {
    throw new ApiError("unauthorized", "send the metrics scrape credential: `Authorization: Bearer <METRICS_TOKEN>`", undefined, {
      "WWW-Authenticate": "Bearer",
    });
  }
  return c.text(renderMetrics(await collect(c.env)), 200, {
    "Content-Type": PROMETHEUS_CONTENT_TYPE,
    "Cache-Control": "no-store",
  });
}

/** Every tenant's shards and bound-session count, read at once. */
async function collect(env: Env): Promise<MetricsSnapshot> {
  const tenants = await configuredTenants(env.API_KEYS);
  const [shards, counts] = await Promise.all([
    Promise.all(
      tenants.flatMap((tenant) =>
        Array.from({ length: METRICS_SHARDS }, (_, shard) => metricsStub(env, tenant, shard).snapshot()),
      ),
    ),
    Promise.all(tenants.map((tenant) => tenantStub(env, tenant).boundSessions())),
  ]);
  return { executions: mergeSeries(shards), activeSessions: counts.reduce((sum, n) => sum + n, 0) };
}
