/**
 * @module api/rest/docs
 * The API's description of itself, served without auth: `/openapi.json` (OpenAPI 3.1, generated from the
 * routes' schemas) and `/docs`, Swagger UI rendering that document. The page's scripts and styles come from a
 * CDN (jsDelivr), loaded by the browser; the Worker serves only the HTML.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import { swaggerUI } from "@hono/swagger-ui";
import type { AppEnv } from "../../env";

const DOCUMENT_PATH = "/openapi.json";
const DOCS_PATH = "/docs";

/** Serves the document and its page, and puts both in the document; call after every route is registered. */
export function registerDocs(app: OpenAPIHono<AppEnv>, version: string): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "bearerAuth", { type: "http", scheme: "bearer" });
  registry.registerPath({
    method: "get",
    path: DOCUMENT_PATH,
    operationId: "getOpenApiDocument",
    tags: ["service"],
    summary: "This document (no auth)",
    description: "The OpenAPI 3.1 document of the REST API, generated from the schemas the routes validate with.",
    security: [],
    responses: { 200: { description: "The document", content: { "application/json": { schema: { type: "object" } } } } },
  });
  registry.registerPath({
    method: "get",
    path: DOCS_PATH,
    operationId: "getDocs",
    tags: ["service"],
    summary: "This document as a page (no auth)",
    description: "Swagger UI rendering `/openapi.json`. The browser loads Swagger UI's scripts and styles from jsDelivr.",
    security: [],
    responses: { 200: { description: "The page", content: { "text/html": { schema: { type: "string" } } } } },
  });

  app.doc31(DOCUMENT_PATH, {
    openapi: "3.1.0",
    info: {
      title: "XiaoZhi MCP Service API",
      version,
      description:
        "Tools for XiaoZhi voice-assistant gateways: local, external MCP servers and the device's own. " +
        "The `/api` routes take `Authorization: Bearer <key>`, a key of the `API_KEYS` secret (`npm start` accepts " +
        '`dev-local-key`). Every error is `{"error": {"code", "message", "details"?}}`; each error response lists ' +
        "the codes it can carry.",
    },
    servers: [
      { url: "/", description: "The deployment serving this document" },
      { url: "http://127.0.0.1:8787", description: "Local development (`npm start`)" },
    ],
    tags: [
      { name: "sessions", description: "Bind a gateway's session to a device, read it, unbind it" },
      { name: "tools", description: "List and execute a session's tools; see the external servers behind them" },
      {
        name: "jobs",
        description: 'Executes that run on as jobs (`"mode": "async"`): their progress and result, and cancelling them',
      },
      { name: "device", description: "The device's own MCP tools, reached through a relay the gateway opens" },
      {
        name: "endpoints",
        description: "Agents' MCP endpoints: users' own MCP servers dial in over WebSocket through a pipe program",
      },
      { name: "service", description: "Liveness and this document" },
    ],
  });
  app.get(DOCS_PATH, swaggerUI({ url: DOCUMENT_PATH, title: "XiaoZhi MCP Service API" }));
}
