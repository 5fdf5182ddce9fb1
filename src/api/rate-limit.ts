/**
 * @module api/rate-limit
 * The per-tenant request rate limit, on every `/api/v1` route and rpc, after the API key and the config are
 * checked: each request counts once against its tenant in the `TENANT_RATE_LIMITER` binding (limit and period
 * in wrangler.toml). Over the limit, REST answers 429 `rate_limited` and Connect/gRPC-Web `resource_exhausted`,
 * both with `Retry-After`: the binding does not say when its window ends, so that is one whole period
 * (`limits.rate_limit.period_seconds`), the longest the caller can have to wait.
 *
 * On or off: `limits.rate_limit.enabled`, which the `RATE_LIMITS` var overrides (config/load). A limiter that fails
 * lets the request through (logged, `rate_limiter_failed`): an outage of the counter does not take the API down
 * with it. A request over the limit is an `info` line (`rate_limit_reached`): the caller sees it in the 429.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { loggerFor } from "../observability/env-logger";

/** Rejects a tenant's request once it is over its rate limit. Needs `tenant` and `config` on the context. */
export const rateLimit = (): MiddlewareHandler<AppEnv> =>
  async function rateLimit(c, next) {
    if (c.var.config.limits.rate_limit.enabled) await admit(c);
    await next();
  };

async function admit(c: Context<AppEnv>): Promise<void> {
  const { tenant, config, requestId } = c.var;
  const periodSeconds = config.limits.rate_limit.period_seconds;
  let outcome: RateLimitOutcome;
  try {
    outcome = await c.env.TENANT_RATE_LIMITER.limit({ key: tenant });
  } catch (error) {
    // The request is let through.
    loggerFor(c.env, { request_id: requestId, tenant }).error("rate_limiter_failed", { error: String(error) });
    return;
  }
  if (outcome.success) return;
  loggerFor(c.env, { request_id: requestId, tenant }).info("rate_limit_reached");
  throw new ApiError(
    "rate_limited",
    `rate limit reached: too many requests for this tenant; retry after ${periodSeconds} s`,
    { retry_after_seconds: periodSeconds },
    { "Retry-After": String(periodSeconds) },
  );
}
