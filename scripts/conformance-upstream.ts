/**
 * An upstream MCP server with the tools the official conformance suite's tools-only server scenarios call
 * (`test_simple_text`, `test_image_content`, `test_audio_content`, `test_embedded_resource`,
 * `test_multiple_content_types`, `test_error_handling`, `json_schema_2020_12_tool`), served over stateless
 * Streamable HTTP on 127.0.0.1 with the v1 SDK. scripts/mcp-conformance.ts puts it behind the service, so the
 * suite checks that the service passes each tool's declaration and results through unchanged.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

/** A 1x1 red PNG. */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
/** A WAV header with no samples. */
const WAV = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

const EMPTY = { type: "object" as const, properties: {} };

const RESULTS: Record<string, CallToolResult> = {
  test_simple_text: { content: [{ type: "text", text: "This is a simple text response for testing." }] },
  test_image_content: { content: [{ type: "image", data: PNG, mimeType: "image/png" }] },
  test_audio_content: { content: [{ type: "audio", data: WAV, mimeType: "audio/wav" }] },
  test_embedded_resource: {
    content: [
      {
        type: "resource",
        resource: { uri: "test://embedded-resource", mimeType: "text/plain", text: "This is an embedded resource content." },
      },
    ],
  },
  test_multiple_content_types: {
    content: [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: PNG, mimeType: "image/png" },
      {
        type: "resource",
        resource: { uri: "test://mixed-content-resource", mimeType: "application/json", text: '{"test":"data","value":123}' },
      },
    ],
  },
  test_error_handling: {
    isError: true,
    content: [{ type: "text", text: "This tool intentionally returns an error for testing" }],
  },
  json_schema_2020_12_tool: { content: [{ type: "text", text: "ok" }] },
};

const JSON_SCHEMA_2020_12 = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  $defs: {
    address: { $anchor: "addressDef", type: "object", properties: { street: { type: "string" }, city: { type: "string" } } },
  },
  properties: {
    name: { type: "string" },
    address: { $ref: "#/$defs/address" },
    contactMethod: { type: "string", enum: ["phone", "email"] },
    phone: { type: "string" },
    email: { type: "string" },
  },
  allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
  if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
  then: { required: ["phone"] },
  else: { required: ["email"] },
  additionalProperties: false,
};

function conformanceServer(): Server {
  const server = new Server({ name: "conformance-upstream", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: Object.keys(RESULTS).map((name) =>
      name === "json_schema_2020_12_tool"
        ? { name, description: "Tool with JSON Schema 2020-12 features", inputSchema: JSON_SCHEMA_2020_12 }
        : { name, description: `Conformance tool ${name}`, inputSchema: EMPTY, annotations: { readOnlyHint: true } },
    ),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request) => {
    const result = RESULTS[request.params.name];
    if (!result) throw new Error(`unknown tool ${request.params.name}`);
    return result;
  });
  return server;
}

/** Starts the server on a free loopback port; resolves to its URL and a stop function. */
export async function startConformanceUpstream(): Promise<{ url: string; stop: () => Promise<void> }> {
  const http: HttpServer = createServer((req, res) => {
    const server = conformanceServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => void server.close());
    server
      .connect(transport)
      .then(() => transport.handleRequest(req, res))
      .catch((error: unknown) => res.writeHead(500).end(String(error)));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  return { url, stop: () => new Promise((resolve) => http.close(() => resolve())) };
}
