/**
 * @module test/config.test
 * The service configuration: the checked-in file is valid, and an invalid one is reported clearly,
 * naming the field and the rule, by /health and by a 503 on the API.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import checkedIn from "../config/service.config.json";
import { createApp } from "../src/app";
import { loadConfig } from "../src/config/load";
import type { ErrorBody } from "./api";

describe("config", () => {
  it("the checked-in config is valid", () => {
    const loaded = loadConfig({}, checkedIn);
    if (!loaded.ok) throw new Error(loaded.message);
    expect(loaded.config.session.idle_ttl_seconds).toBe(86400);
  });

  it("defaults fill what the file leaves out", () => {
    const loaded = loadConfig({}, {});
    expect(loaded).toMatchObject({
      ok: true,
      config: { local_tools: {}, roles: [], timezone: "Asia/Shanghai", limits: { max_body_bytes: 65536 } },
    });
  });

  it.each([
    [{ local_tools: { get_time: { enabled: "yes" } } }, "local_tools.get_time.enabled"],
    [{ local_tools: { fly: { enabled: true } } }, "local_tools.fly"],
    [{ roles: [{ name: "", prompt: "p" }] }, "roles[0].name"],
    [{ timezone: "Mars/Olympus" }, "timezone"],
    [{ session: { idle_ttl_seconds: 5 } }, "session.idle_ttl_seconds"],
    [{ colour: "blue" }, "colour"],
    [{ limits: { max_sessions_per_tenant: 0 } }, "limits.max_sessions_per_tenant"],
    [{ limits: { rate_limit: { period_seconds: 30 } } }, "limits.rate_limit.period_seconds"],
    [{ mcpServers: { s: { url: "https://s.example/mcp", tools: { allow: [] } } } }, "mcpServers.s.tools.allow"],
    [{ mcpServers: { s: { url: "https://s.example/mcp", tools: { deny: [""] } } } }, "mcpServers.s.tools.deny[0]"],
  ])("rejects %j naming %s", (raw, field) => {
    const loaded = loadConfig({}, raw);
    expect(loaded.ok).toBe(false);
    if (loaded.ok) return;
    expect(loaded.message).toContain(field);
    expect(loaded.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
  });

  it("SESSION_IDLE_TTL_SECONDS overrides the idle TTL, and is validated like it", () => {
    expect(loadConfig({ SESSION_IDLE_TTL_SECONDS: "3600" }, checkedIn)).toMatchObject({
      ok: true,
      config: { session: { idle_ttl_seconds: 3600 } },
    });
    const notNumber = loadConfig({ SESSION_IDLE_TTL_SECONDS: "soon" }, checkedIn);
    expect(notNumber).toMatchObject({ ok: false });
    expect(!notNumber.ok && notNumber.message).toContain("SESSION_IDLE_TTL_SECONDS");
    const tooShort = loadConfig({ SESSION_IDLE_TTL_SECONDS: "10" }, checkedIn);
    expect(!tooShort.ok && tooShort.message).toContain("session.idle_ttl_seconds");
  });

  it("an invalid config makes /health degraded and every API call a 503 naming the problem", async () => {
    const app = createApp();
    const badEnv = { ...env, SESSION_IDLE_TTL_SECONDS: "soon" };
    const health = await (await app.request("/health", {}, badEnv)).json();
    expect(health).toMatchObject({ status: "degraded", config: "invalid" });

    const res = await app.request(
      "/api/v1/mcp/tools?session_id=s",
      { headers: { Authorization: "Bearer test-key-tenant-a" } },
      badEnv,
    );
    expect(res.status).toBe(503);
    const body = await res.json<ErrorBody>();
    expect(body.error.code).toBe("config_invalid");
    expect(body.error.message).toContain("SESSION_IDLE_TTL_SECONDS");
  });
});
