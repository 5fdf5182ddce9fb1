/**
 * @module test/readiness.test
 * `GET /ready` check by check (ready; not ready without API keys, with an invalid configuration, with the tool
 * cache unreadable; servers that cannot be used only degrade it), and the tenant-wide view of the external servers
 * (`GET /api/v1/mcp/servers` without `session_id`): what the tenant's sessions last saw, kept apart per tenant.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { restBind, restExecute, restRequest, type TenantServersBody } from "./api";
import { TENANT_B_KEY } from "./keys";
import { pollUntil } from "./poll";
import { upstream } from "./upstreams/control";
import { createApp } from "../src/app";

type ReadyBody = { status: string; checks: Array<{ name: string; status: string; message?: string }> };

/** `/ready` of the app with `env` changed by `vars` (the test Worker's bindings otherwise). */
async function readyWith(vars: Record<string, unknown>) {
  const res = await createApp().request("/ready", {}, { ...env, ...vars });
  return { status: res.status, body: await res.json<ReadyBody>() };
}

const check = (body: ReadyBody, name: string) => body.checks.find((c) => c.name === name);

describe("GET /ready", () => {
  it("is 200 when every check passes; servers that cannot be used as configured only degrade it", async () => {
    const res = await restRequest<ReadyBody>("/ready", { key: null });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ready");
    expect(res.body.checks.map((c) => [c.name, c.status])).toEqual([
      ["config", "ok"],
      ["api_keys", "ok"],
      // The test config has a stdio entry and one naming a variable that is not set.
      ["servers", "degraded"],
      ["kv", "ok"],
    ]);
    expect(check(res.body, "servers")?.message).toContain("secret_deleted");
  });

  it("is 503 without API keys, naming the check", async () => {
    const res = await readyWith({ API_KEYS: undefined });
    expect(res.status).toBe(503);
    expect(res.body.status).toBe("not_ready");
    expect(check(res.body, "api_keys")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("API_KEYS") as string,
    });
  });

  it("is 503 with an invalid configuration", async () => {
    const res = await readyWith({ LOG_LEVEL: "loud" });
    expect(res.status).toBe(503);
    expect(check(res.body, "config")).toMatchObject({
      status: "failed",
      message: expect.stringContaining("LOG_LEVEL") as string,
    });
  });

  it("is 503 when the tool cache cannot be read", async () => {
    const broken = { get: () => Promise.reject(new Error("KV is down")) };
    const res = await readyWith({ TOOL_CACHE: broken });
    expect(res.status).toBe(503);
    expect(check(res.body, "kv")).toMatchObject({ status: "failed", message: expect.stringContaining("KV is down") as string });
  });

  it("answers without a key, and /health stays liveness", async () => {
    expect((await readyWith({ API_KEYS: undefined })).status).toBe(503);
    expect((await createApp().request("/health", {}, { ...env, API_KEYS: undefined })).status).toBe(200);
  });
});

describe("GET /api/v1/mcp/servers without session_id", () => {
  it("lists every configured server, unknown until a session reports a change", async () => {
    const res = await restRequest<TenantServersBody>("/api/v1/mcp/servers", { key: TENANT_B_KEY });
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.servers.map((s) => [s.name, s]));
    expect(byName.everything).toMatchObject({ configured: "enabled", health: "unknown", seen_at: null });
    expect(byName.amap).toMatchObject({ configured: "unsupported", transport: "stdio" });
    expect(byName.switched_off).toMatchObject({ configured: "disabled" });
    expect(byName.secret_deleted).toMatchObject({
      configured: "invalid",
      last_error: expect.stringContaining("DELETED_SECRET") as string,
    });
  });

  it("shows a server down, then up, as the tenant's sessions saw it; another tenant sees nothing of it", async () => {
    const flaky = upstream("flaky");
    await restBind("view-1");
    await restExecute("view-1", "mcp_restartable_echo", { message: "up" });
    await flaky.stop();
    try {
      await restExecute("view-1", "mcp_restartable_echo", { message: "down" });
      const down = await pollUntil(
        () => restRequest<TenantServersBody>("/api/v1/mcp/servers"),
        (res) => res.body.servers.some((s) => s.name === "restartable" && s.health === "down"),
        "the tenant's view to show the server down",
      );
      expect(down.body.servers.find((s) => s.name === "restartable")).toMatchObject({
        health: "down",
        last_error: expect.any(String) as string,
        seen_by_session: "view-1",
        seen_at: expect.any(String) as string,
      });
      const other = await restRequest<TenantServersBody>("/api/v1/mcp/servers", { key: TENANT_B_KEY });
      expect(other.body.servers.find((s) => s.name === "restartable")?.health).toBe("unknown");
    } finally {
      await flaky.start();
    }
    await pollUntil(
      () => restExecute("view-1", "mcp_restartable_echo", { message: "back" }),
      (res) => res.body.success,
      "the upstream to answer again",
    );
    const up = await pollUntil(
      () => restRequest<TenantServersBody>("/api/v1/mcp/servers"),
      (res) => res.body.servers.some((s) => s.name === "restartable" && s.health === "up"),
      "the tenant's view to show the server up",
    );
    expect(up.body.servers.find((s) => s.name === "restartable")).toMatchObject({ health: "up", last_error: null });
  }, 30_000);

  it("still refuses a session id outside the rule", async () => {
    const res = await restRequest("/api/v1/mcp/servers?session_id=__proto__");
    expect(res.status).toBe(400);
  });
});
