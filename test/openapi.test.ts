/**
 * The OpenAPI document is generated from the routes' own schemas: every route the app serves is in it.
 */
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { api } from "./helpers";

describe("/openapi.json", () => {
  it("is OpenAPI 3.1 and lists every route the app serves, with its methods", async () => {
    const res = await api("/openapi.json", { key: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(res.body.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
      ),
    );
    const served = createApp()
      .routes.filter((r) => r.method !== "ALL" && !r.path.includes("*") && r.path !== "/openapi.json")
      .map((r) => `${r.method} ${r.path}`);
    expect(served.length).toBeGreaterThanOrEqual(6);
    for (const route of served) expect(documented).toContain(route);
  });

  it("describes the bind body with its required fields and the error shape", async () => {
    const { body } = await api("/openapi.json", { key: null });
    expect(body.components.schemas.BindRequest.required).toEqual(["device_id", "client_id"]);
    expect(body.components.schemas.Error.properties.error.required).toEqual(["code", "message"]);
    expect(body.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
  });
});
