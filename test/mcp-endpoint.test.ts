/**
 * @module test/mcp-endpoint.test
 * A bound session's tools over MCP (`/api/v1/mcp/sessions/{id}/mcp`), as MCP clients of both protocol eras see
 * them: the v1 SDK's client (2025-era: initialize, then requests) and the v2 SDK's client pinned to 2026-07-28
 * (stateless, `server/discover`), each through the Worker's own fetch, against real upstreams on loopback.
 */
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { okBody, restBind, restListTools, restUnbind } from "./api";
import { TENANT_B_KEY } from "./keys";
import { anyNumber, anyString } from "./matchers";
import {
  auth,
  closeClients,
  legacyClient as connectLegacy,
  modernClient as connectModern,
  modernPost,
  sessionEndpoint as endpoint,
  workerFetch,
} from "./mcp-clients";

afterEach(closeClients);

const legacyClient = async (sessionId: string, key?: string) => (await connectLegacy(endpoint(sessionId), { key })).client;
const modernClient = (sessionId: string) => connectModern(endpoint(sessionId));

describe("the session's MCP endpoint, 2025-era client", () => {
  it("lists the session's whole tool list as REST does, with every declared field", async () => {
    await restBind("mcp-list");
    const client = await legacyClient("mcp-list");
    expect(client.getServerVersion()?.name).toBe("xiaozhi-mcp-service");
    const { tools } = await client.listTools();
    const rest = okBody(await restListTools("mcp-list")).tools;
    expect(tools.map((t) => t.name)).toEqual(rest.map((t) => t.name));
    for (const tool of rest) {
      const listed = tools.find((t) => t.name === tool.name);
      expect(listed?.inputSchema).toEqual(tool.input_schema);
      expect(listed?.outputSchema).toEqual(tool.output_schema);
      expect(listed?.annotations).toEqual(tool.annotations);
    }
    const structured = tools.find((t) => t.name === "mcp_everything_get-structured-content");
    expect(structured?.outputSchema).toMatchObject({ type: "object" });
  }, 20_000); // the first listing in the file connects to every configured server

  it("answers a local tool with text and the ExecutionResult as structured content", async () => {
    await restBind("mcp-local");
    const client = await legacyClient("mcp-local");
    const played = await client.callTool({ name: "local_play_music", arguments: { song_name: "稻香" } });
    expect(played.isError).toBe(false);
    expect(played.structuredContent).toEqual({
      success: true,
      action: "call_handler",
      result: { func_name: "mcp_handler_play_music", args: "稻香" },
      response: null,
    });
    expect(played.content).toEqual([{ type: "text", text: '{"func_name":"mcp_handler_play_music","args":"稻香"}' }]);
    // Arguments the schema refuses are a tool error naming the field, not a protocol error.
    const refused = await client.callTool({ name: "local_exit", arguments: {} });
    expect(refused.isError).toBe(true);
    expect(refused.structuredContent).toMatchObject({ error: { code: "invalid_arguments" } });
    expect(JSON.stringify(refused.content)).toContain("arguments.say_goodbye");
  });

  it("passes an external tool's content through unchanged: text, image, embedded resource, errors", async () => {
    await restBind("mcp-content");
    const client = await legacyClient("mcp-content");
    const echo = await client.callTool({ name: "mcp_everything_echo", arguments: { message: "你好" } });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: 你好" }]);
    const image = await client.callTool({ name: "mcp_everything_get-tiny-image", arguments: {} });
    expect(image.content).toContainEqual({ type: "image", mimeType: "image/png", data: anyString });
    const resource = await client.callTool({ name: "mcp_everything_get-resource-reference", arguments: { resourceId: 2 } });
    expect(CallToolResultSchema.parse(resource).content.map((item) => item.type)).toContain("resource");
    const structured = await client.callTool({
      name: "mcp_everything_get-structured-content",
      arguments: { location: "New York" },
    });
    expect(structured.structuredContent).toMatchObject({ temperature: anyNumber });
    const failed = await client.callTool({ name: "mcp_everything_get-resource-reference", arguments: { resourceId: 0 } });
    expect(failed.isError).toBe(true);
  });

  it("a call slower than the server's timeout is a tool error with upstream_timeout", async () => {
    await restBind("mcp-timeout");
    const client = await legacyClient("mcp-timeout");
    const slow = await client.callTool({
      name: "mcp_slow_server_trigger-long-running-operation",
      arguments: { duration: 5, steps: 1 },
    });
    expect(slow.isError).toBe(true);
    expect(slow.structuredContent).toMatchObject({ error: { code: "upstream_timeout" } });
  });

  it("an unknown tool is a protocol error (invalid params)", async () => {
    await restBind("mcp-unknown");
    const client = await legacyClient("mcp-unknown");
    await expect(client.callTool({ name: "no_such_tool", arguments: {} })).rejects.toThrow(/no tool named "no_such_tool"/);
  });
});

describe("the session's MCP endpoint, 2026-07-28 client", () => {
  it("discovers, lists and calls without a session of its own", async () => {
    await restBind("mcp-modern");
    const client = await modernClient("mcp-modern");
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("mcp_everything_echo");
    const echo = await client.callTool({ name: "mcp_everything_echo", arguments: { message: "hi" } });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: hi" }]);
    const time = await client.callTool({ name: "local_get_time", arguments: {} });
    expect(time.structuredContent).toMatchObject({ success: true, action: "req_llm" });
  });

  it("list results carry the tool cache's TTL; Mcp-Method must match the body", async () => {
    await restBind("mcp-raw");
    const post = (method: string, header: string) => modernPost(endpoint("mcp-raw"), method, {}, { "Mcp-Method": header });
    const listed = await post("tools/list", "tools/list");
    expect(listed.status).toBe(200);
    const body = await listed.json<{ result: { ttlMs: number; cacheScope: string } }>();
    expect(body.result).toMatchObject({ ttlMs: 300_000, cacheScope: "private" });
    const mismatch = await post("tools/list", "tools/call");
    expect(mismatch.status).toBe(400);
    expect(await mismatch.text()).toContain("-32020");
  });
});

describe("the session's MCP endpoint refuses", () => {
  it("a wrong key (401), another tenant's session (404), an unbound one (404), a browser origin not allowed (403)", async () => {
    await restBind("mcp-refuse");
    const initialize = (sessionId: string, headers: Record<string, string>) =>
      workerFetch(endpoint(sessionId), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "t", version: "1" } },
        }),
      });
    expect((await initialize("mcp-refuse", auth().headers)).status).toBe(200);
    expect((await initialize("mcp-refuse", { Authorization: "Bearer wrong-key-123" })).status).toBe(401);
    const other = await initialize("mcp-refuse", auth(TENANT_B_KEY).headers);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: "session_not_found" } });
    expect((await initialize("mcp-never-bound", auth().headers)).status).toBe(404);
    const evil = await initialize("mcp-refuse", { ...auth().headers, Origin: "https://evil.example.com" });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ error: { code: "origin_not_allowed" } });
    expect((await initialize("mcp-refuse", { ...auth().headers, Origin: "http://localhost:6274" })).status).toBe(403);
  });

  it("a session unbound meanwhile: the next request is 404", async () => {
    await restBind("mcp-unbound");
    const client = await legacyClient("mcp-unbound");
    await client.listTools();
    await restUnbind("mcp-unbound");
    await expect(client.listTools()).rejects.toThrow(/404|session not found/);
  });
});
