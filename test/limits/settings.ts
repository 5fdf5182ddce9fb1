/**
 * @module test/limits/settings
 * The limits the `limits` test project runs with, shared by vitest.config.ts (which sets them) and its tests
 * (which reach them). The session cap is in test/limits/service.config.json.
 */

/** The rate limiter binding's limit: requests per tenant and period (seconds), as wrangler.toml would set them. */
export const TEST_RATE_LIMIT = { limit: 100, period: 10 } as const;

/** `limits.max_sessions_per_tenant` in test/limits/service.config.json. */
export const TEST_SESSION_CAP = 3;
