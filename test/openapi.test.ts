/**
 * The OpenAPI document is generated from the routes' own schemas: every route the app serves is in it, each
 * operation is named and described, each error response lists exactly its codes, `/docs` renders it, and
 * docs/openapi.json is the current render.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import { type ErrorCode, ErrorStatus } from "../src/errors";

/** The parts of an OpenAPI document these tests read. */
interface OpenApiDocument {
  openapi: string;
  servers: Array<{ url: string }>;
  paths: Record<string, Partial<Record<"get" | "post" | "delete", Operation>>>;
  components: {
    schemas: Record<string, { required?: string[]; properties?: Record<string, { required?: string[] }> }>;
    securitySchemes: Record<string, unknown>;
  };
}

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: { allOf?: [unknown, NarrowedError] } }> }>;
}

/** An error response's schema: `Error`, with `code` narrowed to that response's codes. */
interface NarrowedError {
  properties: { error: { properties: { code: { enum: string[] } } } };
}

async function openApiDocument(): Promise<{ status: number; body: OpenApiDocument }> {
  const res = await exports.default.fetch("http://service.test/openapi.json");
  return { status: res.status, body: await res.json<OpenApiDocument>() };
}

async function operations(): Promise<Array<{ path: string; operation: Operation }>> {
  const { body } = await openApiDocument();
  return Object.entries(body.paths).flatMap(([path, ops]) => Object.values(ops).map((operation) => ({ path, operation })));
}

function operation(doc: OpenApiDocument, path: string, method: "get" | "post" | "delete"): Operation {
  const found = doc.paths[path]?.[method];
  if (!found) throw new Error(`${method} ${path} is not in the document`);
  return found;
}

/** The `code` enum of an operation's error response with `status`. */
function errorCodes(op: Operation, status: string): string[] | undefined {
  return op.responses[status]?.content?.["application/json"]?.schema.allOf?.[1].properties.error.properties.code.enum;
}

describe("/openapi.json", () => {
  it("is OpenAPI 3.1 and lists every route the app serves, with its methods", async () => {
    const res = await openApiDocument();
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    const documented = new Set(
      Object.entries(res.body.paths).flatMap(([path, ops]) =>
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
    const { body } = await openApiDocument();
    expect(body.components.schemas.BindRequest?.required).toEqual(["device_id", "client_id"]);
    expect(body.components.schemas.Error?.properties?.error?.required).toEqual(["code", "message", "request_id"]);
    expect(body.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
  });

  it("describes the relay and the messages route", async () => {
    const doc = await openApiDocument();
    expect(doc.status).toBe(200);
    const relay = operation(doc.body, "/api/v1/mcp/sessions/{sessionId}/relay", "get");
    expect(Object.keys(relay.responses)).toEqual(expect.arrayContaining(["101", "404", "426"]));
    const messages = operation(doc.body, "/api/v1/mcp/sessions/{sessionId}/messages", "post");
    expect(messages.requestBody?.content["application/json"]?.schema).toEqual({ $ref: "#/components/schemas/DeviceFrame" });
    expect(doc.body.components.schemas.Session?.properties).toHaveProperty("device");
  });

  it("names every operation once and summarizes it", async () => {
    const ops = await operations();
    const ids = ops.map(({ operation }) => operation.operationId);
    for (const { operation } of ops) {
      expect(operation.operationId).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.summary).toBeTruthy();
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(["bindSession", "executeTool", "openRelay", "getHealth"]));
  });

  it("asks for the API key everywhere but /health and its own two routes", async () => {
    const { body } = await openApiDocument();
    expect(operation(body, "/health", "get").security).toEqual([]);
    for (const { path, operation } of await operations()) {
      if (path.startsWith("/api/")) expect(operation.security).toEqual([{ bearerAuth: [] }]);
      else if (path === "/metrics") expect(operation.security).toEqual([{ metricsToken: [] }]);
      else expect(operation.security).toEqual([]);
    }
    expect(body.servers.map((s) => s.url)).toEqual(["/", "http://127.0.0.1:8787"]);
  });

  it("lists each error response's codes: exactly those the operation answers with that status", async () => {
    const { body } = await openApiDocument();
    const execute = operation(body, "/api/v1/mcp/tools/{toolName}/execute", "post");
    expect(errorCodes(execute, "404")).toEqual(["session_not_found", "tool_not_found"]);
    expect(errorCodes(execute, "400")?.sort()).toEqual(["invalid_json", "invalid_request"]);
    expect(errorCodes(operation(body, "/api/v1/mcp/sessions/{sessionId}", "get"), "404")).toEqual(["session_not_found"]);
    for (const { path, operation } of await operations()) {
      // The readiness probe's 503 is its list of checks, not an error.
      if (path === "/ready") continue;
      for (const status of Object.keys(operation.responses).filter((s) => Number(s) >= 400)) {
        const codes = errorCodes(operation, status) ?? [];
        expect(codes.length).toBeGreaterThan(0);
        for (const code of codes) expect(ErrorStatus[code as ErrorCode]).toBe(Number(status));
      }
    }
  });

  it("is the render checked in as docs/openapi.json (npx vitest run test/openapi.test.ts -u rewrites it)", async () => {
    const { body } = await openApiDocument();
    await expect(`${JSON.stringify(body, null, 2)}\n`).toMatchFileSnapshot("../docs/openapi.json");
  });
});

describe("/docs", () => {
  it("answers, without a key, the Swagger UI page for /openapi.json", async () => {
    const res = await exports.default.fetch("http://service.test/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("SwaggerUIBundle");
    expect(html).toContain("/openapi.json");
  });
});
