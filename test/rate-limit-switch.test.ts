/**
 * @module test/rate-limit-switch.test
 * The rate limit's switch and failure handling, with a stand-in limiter (the real binding is exercised in
 * test/limits/rate-limit.test.ts): `RATE_LIMITS` overrides `limits.rate_limit.enabled` when the config is loaded,
 * an unknown value is `config_invalid`, and a limiter that fails lets the request through.
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { rateLimit } from "../src/api/rate-limit";
import { loadConfig } from "../src/config/load";
import type { AppEnv, Env } from "../src/env";
import { ApiError } from "../src/errors";

/** A limiter that refuses every request (or fails), counting the calls. */
function refusingLimiter(fails = false) {
  const limiter = {
    calls: 0,
    limit: async (): Promise<RateLimitOutcome> => {
      limiter.calls++;
      if (fails) throw new Error("limiter down");
      return { success: false };
    },
  };
  return limiter;
}

async function request(vars: Partial<Env>, enabled: boolean, limiter = refusingLimiter()) {
  const app = new Hono<AppEnv>();
  // The config as the Worker loads it: the checked-in file's part that matters here, with the vars applied.
  const loaded = loadConfig(vars, { limits: { rate_limit: { enabled, period_seconds: 10 } } });
  app.use(async (c, next) => {
    if (!loaded.ok) throw new ApiError("config_invalid", loaded.message, loaded.details);
    c.set("tenant", "t");
    c.set("config", loaded.config);
    await next();
  });
  app.use(rateLimit());
  app.get("/", (c) => c.text("ok"));
  app.onError((err) => (err instanceof ApiError ? err.toResponse() : new Response("unexpected", { status: 500 })));
  const env = { ...vars, TENANT_RATE_LIMITER: limiter } as unknown as Env;
  const res = await app.request("/", {}, env);
  return { status: res.status, retryAfter: res.headers.get("Retry-After"), calls: limiter.calls, body: await res.text() };
}

describe("the rate limit's switch", () => {
  it("follows limits.rate_limit.enabled when RATE_LIMITS is not set", async () => {
    expect(await request({}, true)).toMatchObject({ status: 429, retryAfter: "10", calls: 1 });
    expect(await request({}, false)).toMatchObject({ status: 200, calls: 0 });
  });

  it("lets RATE_LIMITS override the config either way", async () => {
    expect(await request({ RATE_LIMITS: "off" }, true)).toMatchObject({ status: 200, calls: 0 });
    expect(await request({ RATE_LIMITS: "on" }, false)).toMatchObject({ status: 429, calls: 1 });
  });

  it("answers 503 config_invalid for another RATE_LIMITS value", async () => {
    const res = await request({ RATE_LIMITS: "sometimes" }, true);
    expect(res.status).toBe(503);
    expect(res.body).toContain('"code":"config_invalid"');
    expect(res.body).toContain('RATE_LIMITS must be \\"on\\" or \\"off\\"');
  });

  it("lets the request through when the limiter fails", async () => {
    expect(await request({}, true, refusingLimiter(true))).toMatchObject({ status: 200, calls: 1 });
  });
});
