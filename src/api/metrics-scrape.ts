/**
 * @module api/metrics-scrape
 * `GET /metrics`: the seed's Prometheus metrics for every tenant, behind their own scrape credential (the
 * `METRICS_TOKEN` secret, never a tenant's API key). Executions are added up from every tenant's metrics shards
 * (durable-objects/metrics); `mcp_active_sessions` is the sum of the tenants' bound-session counts, which their
 * tenant objects keep for the session cap (durable-objects/tenant). The tenants are those the API keys name: a
 * tenant whose keys were removed is no longer shown.
 */
import type { MiddlewareHandler } from "hono";
import { METRICS_SHARDS, metricsStub } from "../../durable-objects/metrics";
import { tenantStub } from "../../durable-objects/tenant";
import { bearerToken, configuredTenants, sameSecret } from "../auth";
import type { AppEnv, Env } from "../env";
import { ApiError } from "../errors";
import { mergeSeries } from "../observability/metrics-model";
import { type MetricsSnapshot, PROMETHEUS_CONTENT_TYPE, renderMetrics } from "../observability/metrics-text";

/** Answers the scrape, or 503 `not_configured` without `METRICS_TOKEN`, 401 without the right one. */
export const metricsScrape = (): MiddlewareHandler<AppEnv> =>
  async function metricsScrape(c) {
    const secret = c.env.METRICS_TOKEN;
    if (secret === undefined || secret.trim() === "") {
      throw new ApiError(
        "not_configured",
        "no metrics scrape credential is configured: set the METRICS_TOKEN secret (wrangler secret put METRICS_TOKEN)",
      );
    }
    const presented = bearerToken(c.req.header("Authorization"));
    if (presented === undefined || !(await sameSecret(presented, secret))) {
      throw new ApiError(
        "unauthorized",
        "send the metrics scrape credential: `Authorization: Bearer <METRICS_TOKEN>`",
        undefined,
        {
          "WWW-Authenticate": "Bearer",
        },
      );
    }
    const body = renderMetrics(await collect(c.env));
    return c.body(body, 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store" });
  };

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
