/**
 * @module api/rate-limit
 * The per-tenant request rate limit, on every `/api/v1` route and rpc, after the API key and the config are
 * checked: each request counts once against its tenant in the `TENANT_RATE_LIMITER` binding (limit and period
 * in wrangler.toml). Over the limit, REST answers 429 `rate_limited` and Connect/gRPC-Web `resource_exhausted`,
 * both with `Retry-After`: the binding does not say when its window ends, so that is one whole period
 * (`limits.rate_limit.period_seconds`), the longest the caller can have to wait.
 *
 * On or off: `limits.rate_limit.enabled`, which the `RATE_LIMITS` var overrides (config/load). A limiter that fails
 * lets the request through (logged): an outage of the counter does not take the API down with it.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";

/** Rejects a tenant's request once it is over its rate limit. Needs `tenant` and `config` on the context. */
export const rateLimit = (): MiddlewareHandler<AppEnv> =>
  async function rateLimit(c, next) {
    const { rate_limit } = c.var.config.limits;
    if (rate_limit.enabled) await admit(c.env.TENANT_RATE_LIMITER, c.var.tenant, rate_limit.period_seconds);
    await next();
  };

async function admit(limiter: RateLimit, tenant: string, periodSeconds: number): Promise<void> {
  let outcome: RateLimitOutcome;
  try {
    outcome = await limiter.limit({ key: tenant });
  } catch (error) {
    console.error("the rate limiter failed: the request is let through", { tenant, error: String(error) });
    return;
  }
  if (outcome.success) return;
  console.warn("rate limit reached", { tenant });
  throw new ApiError(
    "rate_limited",
    `rate limit reached: too many requests for this tenant; retry after ${periodSeconds} s`,
    { retry_after_seconds: periodSeconds },
    { "Retry-After": String(periodSeconds) },
  );
}
