/**
 * @module test/limits/rate-limit.test
 * The per-tenant rate limit (TEST_RATE_LIMIT in this project, through the real rate-limiting binding as
 * `wrangler dev` runs it): over the limit REST answers 429 `rate_limited` with `Retry-After` and the error
 * shape, Connect and gRPC-Web `resource_exhausted`; another tenant is not held back. Tenant C is spent here only.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type ErrorBody, restListTools } from "../api";
import { TENANT_A_KEY, TENANT_C_KEY } from "../keys";
import { rpcClient, rpcError } from "../rpc-client";
import { TEST_RATE_LIMIT } from "./settings";

const { limit, period } = TEST_RATE_LIMIT;
const PERIOD_MS = period * 1000;

/**
 * Waits until the limiter's window (aligned to the clock, as the local binding keeps it) has at least five
 * seconds left, so a burst is counted in one window.
 */
async function startOfWindow(): Promise<void> {
  const left = PERIOD_MS - (Date.now() % PERIOD_MS);
  if (left < 5_000) await scheduler.wait(left + 50);
}

describe("the per-tenant rate limit", () => {
  it("answers 429 rate_limited with Retry-After once the tenant is over its limit, and not another tenant", async () => {
    await startOfWindow();
    // At once, so the burst fits in one window.
    const burst = await Promise.all(Array.from({ length: limit }, () => restListTools("unbound", { key: TENANT_C_KEY })));
    const statuses = burst.map((res) => res.status);
    // Every request counts, whatever its answer (here the session is not bound: 404).
    expect(statuses.every((s) => s === 404)).toBe(true);

    const over = await restListTools("unbound", { key: TENANT_C_KEY });
    expect(over.status).toBe(429);
    expect(over.headers.get("Retry-After")).toBe(String(period));
    expect(over.body as ErrorBody).toEqual({
      error: {
        code: "rate_limited",
        message: `rate limit reached: too many requests for this tenant; retry after ${period} s`,
        details: { retry_after_seconds: period },
        request_id: over.headers.get("X-Request-Id"),
      },
    });

    expect((await restListTools("unbound", { key: TENANT_A_KEY })).status).toBe(404);

    for (const protocol of ["connect-json", "grpc-web"] as const) {
      const err = await rpcError(
        rpcClient(protocol, { key: TENANT_C_KEY }).getTools({ sessionId: "unbound" }),
        Code.ResourceExhausted,
        "rate_limited",
      );
      expect(err.metadata.get("Retry-After")).toBe(String(period));
    }
  }, 30_000);
});
