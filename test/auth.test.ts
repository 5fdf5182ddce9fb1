/**
 * @module test/auth.test
 * API keys: which requests get through, which tenant they act for, and what happens when keys are not
 * (or badly) configured, and that a key remembered after it matched follows changes to `API_KEYS`. The deployed
 * case is run by calling the app with that environment directly.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { type ErrorBody, restListTools, restRequest } from "./api";

function callWith(overrides: Record<string, unknown>, path = "/api/v1/mcp/tools?session_id=s", key = "test-key-tenant-a") {
  return createApp().request(path, { headers: { Authorization: `Bearer ${key}` } }, { ...env, ...overrides });
}

describe("API keys", () => {
  it("no Authorization header is a 401 with a Bearer challenge", async () => {
    const res = await restRequest<ErrorBody>("/api/v1/mcp/tools?session_id=s", { key: null });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
    expect(res.headers.get("WWW-Authenticate")).toBe("Bearer");
  });

  it("a wrong key is a 401", async () => {
    const res = await restListTools("s", { key: "not-a-configured-key" });
    expect(res.status).toBe(401);
    expect(res.body.error?.message).toBe("invalid API key");
  });

  it("a configured key's prefix or extension is not accepted", async () => {
    for (const key of ["test-key-tenant", "test-key-tenant-a2", "TEST-KEY-TENANT-A"]) {
      expect((await restListTools("s", { key })).status).toBe(401);
    }
  });

  it("health and the OpenAPI document need no key", async () => {
    expect((await restRequest("/health", { key: null })).status).toBe(200);
    expect((await restRequest("/openapi.json", { key: null })).status).toBe(200);
  });

  it("a key that worked is refused once API_KEYS no longer holds it, and accepted again when it does", async () => {
    const both = JSON.stringify({ "test-key-tenant-a": "tenant-a", "test-key-tenant-b": "tenant-b" });
    const onlyB = JSON.stringify({ "test-key-tenant-b": "tenant-b" });
    const status = async (keys: string, key: string) => (await callWith({ API_KEYS: keys }, undefined, key)).status;
    expect(await status(both, "test-key-tenant-a")).not.toBe(401);
    expect(await status(both, "test-key-tenant-a")).not.toBe(401);
    expect(await status(onlyB, "test-key-tenant-a")).toBe(401);
    expect(await status(onlyB, "test-key-tenant-b")).not.toBe(401);
    expect(await status(both, "test-key-tenant-a")).not.toBe(401);
  });

  it("a wrong key stays wrong however often it is sent", async () => {
    for (let i = 0; i < 3; i++) expect((await restListTools("s", { key: "not-a-configured-key" })).status).toBe(401);
    expect((await restListTools("s", { key: "test-key-tenant-a" })).status).not.toBe(401);
  });

  it("without API_KEYS every API call is a 503 saying how to configure them", async () => {
    const res = await callWith({ API_KEYS: undefined });
    expect(res.status).toBe(503);
    const body = await res.json<ErrorBody>();
    expect(body.error.code).toBe("not_configured");
    expect(body.error.message).toContain("wrangler secret put API_KEYS");
    // The dev key is not built in.
    const dev = await callWith({ API_KEYS: undefined }, undefined, "dev-local-key");
    expect(dev.status).toBe(503);
  });

  it("an empty key map is a 503", async () => {
    const res = await callWith({ API_KEYS: "{}" });
    expect(res.status).toBe(503);
    expect((await res.json<ErrorBody>()).error.code).toBe("not_configured");
  });

  it("malformed API_KEYS is a 503 that does not echo the keys", async () => {
    const notJson = await callWith({ API_KEYS: "key=tenant" });
    expect(notJson.status).toBe(503);
    expect((await notJson.json<ErrorBody>()).error.code).toBe("config_invalid");

    const badTenant = await callWith({ API_KEYS: JSON.stringify({ "a-long-secret-key": "bad tenant/name" }) });
    const body = await badTenant.json<ErrorBody>();
    expect(badTenant.status).toBe(503);
    expect(body.error.message).toContain("tenant names");
    expect(JSON.stringify(body)).not.toContain("a-long-secret-key");
  });
});
