/**
 * @module test/mcp-tenant.test
 * The tenant's MCP endpoint (`/api/v1/mcp/mcp`): a 2025-era connection gets a session of its own at
 * `initialize` (its `Mcp-Session-Id`), is served by it, ends it with DELETE, and gets 404 once it is gone (ended,
 * expired, or another tenant's); REST cannot reach such a session; 2026-07-28 clients share the tenant's
 * stateless session. Real upstreams on loopback behind it.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { restGetSession } from "./api";
import { TENANT_B_KEY } from "./keys";
import { auth, closeClients, legacyClient, modernClient, TENANT_ENDPOINT, workerFetch } from "./mcp-clients";
import { sessionObject } from "./session-object";

afterEach(closeClients);

/** `mcp.session_idle_ttl_seconds` by default. */
const MCP_TTL_MS = 15 * 60 * 1000;
const SESSION_ID = /^_mcp-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A raw 2025-era POST of `body` to the tenant endpoint, with `headers` (the tenant A key unless replaced). */
function post(body: unknown, headers: Record<string, string> = {}) {
  return workerFetch(TENANT_ENDPOINT, {
    method: "POST",
    headers: { ...auth().headers, "Content-Type": "application/json", Accept: "application/json, text/event-stream", ...headers },
    body: JSON.stringify(body),
  });
}

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "raw-gateway", version: "1" } },
};
const LIST = { jsonrpc: "2.0", id: 2, method: "tools/list" };

describe("the tenant's MCP endpoint, 2025-era connections", () => {
  it("initialize gives a session of the connection's own: the tenant's local and external tools, no device", async () => {
    const { client, transport } = await legacyClient(TENANT_ENDPOINT);
    expect(transport.sessionId).toMatch(SESSION_ID);
    const { tools } = await client.listTools();
    const sources = new Set(tools.map((t) => t.name.split("_")[0]));
    expect(sources).toContain("local");
    expect(tools.map((t) => t.name)).toContain("mcp_everything_echo");
    expect(tools.some((t) => t.name.startsWith("self_"))).toBe(false);
    const echo = await client.callTool({ name: "mcp_everything_echo", arguments: { message: "租户" } });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: 租户" }]);
    const played = await client.callTool({ name: "local_play_music", arguments: { song_name: "稻香" } });
    expect(played.structuredContent).toMatchObject({ success: true, action: "call_handler" });
  }, 20_000); // the first listing in the file connects to every configured server

  it("two connections get two sessions; REST cannot address them (outside the session id rule)", async () => {
    const first = await legacyClient(TENANT_ENDPOINT);
    const second = await legacyClient(TENANT_ENDPOINT);
    expect(first.transport.sessionId).not.toBe(second.transport.sessionId);
    const rest = await restGetSession(String(first.transport.sessionId));
    expect(rest.status).toBe(400);
    expect(rest.body.error?.code).toBe("invalid_request");
  });

  it("DELETE ends the session: the same id is then 404, and DELETE again is 404", async () => {
    const { client, transport } = await legacyClient(TENANT_ENDPOINT);
    const id = String(transport.sessionId);
    await client.listTools();
    await transport.terminateSession();
    expect(await sessionObject(id).isBound()).toBe(false);
    const after = await post(LIST, { "Mcp-Session-Id": id, "MCP-Protocol-Version": "2025-11-25" });
    expect(after.status).toBe(404);
    expect(await after.json()).toMatchObject({ error: { code: "session_not_found" } });
    const again = await workerFetch(TENANT_ENDPOINT, { method: "DELETE", headers: { ...auth().headers, "Mcp-Session-Id": id } });
    expect(again.status).toBe(404);
  });

  it("idle expiry ends it after the MCP endpoint's own TTL (15 minutes), not a gateway session's day", async () => {
    const { client, transport } = await legacyClient(TENANT_ENDPOINT);
    const stub = sessionObject(String(transport.sessionId));
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", Date.now() - MCP_TTL_MS - 1000);
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await expect(client.listTools()).rejects.toThrow(/404|Session terminated|session not found/i);
  });

  it("refuses: no Mcp-Session-Id (400), unknown or malformed ones (404), another tenant's (404)", async () => {
    const missing = await post(LIST);
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain("Mcp-Session-Id header required");
    const unknown = await post(LIST, { "Mcp-Session-Id": "_mcp-00000000-0000-4000-8000-000000000000" });
    expect(unknown.status).toBe(404);
    expect((await post(LIST, { "Mcp-Session-Id": "demo-1" })).status).toBe(404);
    const opened = await post(INITIALIZE);
    expect(opened.status).toBe(200);
    const id = String(opened.headers.get("Mcp-Session-Id"));
    expect(id).toMatch(SESSION_ID);
    const otherTenant = await post(LIST, { ...auth(TENANT_B_KEY).headers, "Mcp-Session-Id": id });
    expect(otherTenant.status).toBe(404);
    const deleted = await workerFetch(TENANT_ENDPOINT, {
      method: "DELETE",
      headers: { ...auth(TENANT_B_KEY).headers, "Mcp-Session-Id": id },
    });
    expect(deleted.status).toBe(404);
    expect(await sessionObject(id).isBound()).toBe(true);
  });

  it("refuses a wrong key (401) and a browser origin not allowed (403) before creating anything", async () => {
    expect((await post(INITIALIZE, { Authorization: "Bearer wrong-key-123" })).status).toBe(401);
    const evil = await post(INITIALIZE, { Origin: "https://evil.example.com" });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("Mcp-Session-Id")).toBeNull();
  });

  it("an initialize the server refuses leaves no session behind", async () => {
    const bad = await post({ ...INITIALIZE, params: { protocolVersion: 7 } });
    expect(bad.headers.get("Mcp-Session-Id")).toBeNull();
    expect(await bad.text()).toContain('"error"');
  });
});

describe("the tenant's MCP endpoint, 2026-07-28 clients", () => {
  it("are served statelessly by the tenant's one shared session", async () => {
    const client = await modernClient(TENANT_ENDPOINT);
    expect(client.getNegotiatedProtocolVersion()).toBe("2026-07-28");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain("mcp_everything_echo");
    const echo = await client.callTool({ name: "mcp_everything_echo", arguments: { message: "hi" } });
    expect(echo.content).toEqual([{ type: "text", text: "Echo: hi" }]);
    expect(await sessionObject("_mcp-stateless").isBound()).toBe(true);
    // Ended (it expires when idle), it is bound again by the next request.
    await sessionObject("_mcp-stateless").unbind();
    expect((await client.listTools()).tools.length).toBeGreaterThan(0);
  });
});
