/**
 * @module test/external-tools.test
 * External MCP servers through the public API, against real server-everything upstreams on loopback
 * (Streamable HTTP and SSE), set up by test/upstreams/global-setup.ts.
 */
import { describe, expect, it } from "vitest";
import {
  indexBy,
  okBody,
  restBind,
  restExecute,
  restListServers,
  restListTools,
  restRequest,
  restUnbind,
  type ToolsBody,
} from "./api";
import { pollUntil } from "./poll";
import { upstream } from "./upstreams/control";
import { anyNumber, stringContaining } from "./matchers";

const LLM_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const tools = async (sessionId: string) => okBody(await restListTools(sessionId));
const servers = async (sessionId: string) => indexBy(okBody(await restListServers(sessionId)).servers, "name");

describe("listing external tools", () => {
  it("merges local tools with every server's, over Streamable HTTP and SSE, and says where each comes from", async () => {
    await restBind("list-1");
    const { tools: listed, sources } = await tools("list-1");
    const bySource = indexBy(sources, "source");
    for (const name of ["everything", "everything_sse", "slow_server", "restartable", "restartable_sse", "guarded"]) {
      expect(bySource[name]).toMatchObject({ kind: "external", status: "ok", tool_count: 13 });
    }
    expect(bySource.local).toMatchObject({ status: "ok" });
    expect(bySource.switched_off).toBeUndefined();
    expect(listed.find((t) => t.name === "local_get_time")).toBeDefined();
    const sseEcho = listed.find((t) => t.name === "mcp_everything_sse_echo");
    expect(sseEcho).toMatchObject({
      source: "external",
      server: "everything_sse",
      original_name: "echo",
      description: "Echoes back the input string",
      input_schema: { type: "object", properties: { message: { type: "string" } }, required: ["message"] },
    });
  }, 20_000); // the first listing connects to every configured server, which a loaded machine makes slow

  it("reports a stdio server as unsupported, saying how to bridge it to HTTP", async () => {
    await restBind("list-stdio");
    const { sources } = await tools("list-stdio");
    const amap = sources.find((s) => s.source === "amap");
    expect(amap).toMatchObject({ kind: "external", status: "unsupported", tool_count: 0 });
    expect(amap?.error).toMatch(/cannot run on Cloudflare Workers/);
    expect(amap?.error).toMatch(/stdio-to-HTTP bridge/);
    // The operator's arguments (which may carry keys) are not shown to tenants.
    expect(amap?.error).not.toContain("@amap/amap-maps-mcp-server");
  });

  it("resolves name collisions between servers deterministically, losing no tool", async () => {
    await restBind("list-collide");
    // The server-everything hosts' tools (the 2026-07-28 `modern` server's are in external-modern.test.ts).
    const everythings = (list: ToolsBody["tools"]) => list.filter((t) => t.source === "external" && t.server !== "modern");
    const first = everythings((await tools("list-collide")).tools);
    await restBind("list-collide-2");
    const second = everythings((await tools("list-collide-2")).tools);
    // Six servers expose the same 13 tools: all 78 are listed, each under its own valid name.
    expect(first).toHaveLength(78);
    expect(new Set(first.map((t) => t.name)).size).toBe(78);
    for (const tool of first) {
      expect(tool.name).toMatch(LLM_NAME);
      expect(tool.name).toBe(`mcp_${tool.server}_${tool.original_name}`);
    }
    expect(second.map((t) => t.name)).toEqual(first.map((t) => t.name));
  });
});

describe("calling external tools", () => {
  it("calls over Streamable HTTP and over SSE, each on its own server", async () => {
    await restBind("call-1");
    const http = await restExecute("call-1", "mcp_everything_echo", { message: "你好" });
    expect(http.body).toEqual({ success: true, action: "req_llm", result: "Echo: 你好", response: null });
    const sse = await restExecute("call-1", "mcp_everything_sse_get-sum", { a: 2, b: 40 });
    expect(sse.body).toMatchObject({ success: true, action: "req_llm", result: stringContaining("42") });
    const state = await servers("call-1");
    expect(state.everything).toMatchObject({ status: "ready", transport_in_use: "streamable-http" });
    expect(state.everything_sse).toMatchObject({ status: "ready", transport_in_use: "sse" });
  });

  it("keeps an image the tool returns, next to its text", async () => {
    await restBind("call-image");
    const res = await restExecute("call-image", "mcp_everything_get-tiny-image");
    expect(res.body.success).toBe(true);
    expect(res.body.result).toContain("[image image/png]");
    expect(res.body.content).toEqual(expect.arrayContaining([expect.objectContaining({ type: "image", mimeType: "image/png" })]));
  });

  it("an upstream error is a tool_error carrying its message", async () => {
    await restBind("call-error");
    // Arguments the schema accepts but the tool refuses (those the schema refuses never reach it: see
    // argument-validation.test.ts).
    const res = await restExecute("call-error", "mcp_everything_get-resource-reference", { resourceId: 0 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false, action: "error", error: { code: "tool_error" } });
    expect(res.body.error?.message).toMatch(/Invalid resourceId: 0/);
  });

  it("a call slower than the request's timeout_ms is upstream_timeout, and the connection carries on", async () => {
    await restBind("call-timeout");
    const slow = await restExecute(
      "call-timeout",
      "mcp_everything_trigger-long-running-operation",
      { duration: 5, steps: 1 },
      { timeoutMs: 300 },
    );
    expect(slow.body).toMatchObject({ success: false, action: "error", error: { code: "upstream_timeout" } });
    expect(slow.body.error?.message).toContain("300 ms");
    const next = await restExecute("call-timeout", "mcp_everything_echo", { message: "still here" });
    expect(next.body).toMatchObject({ success: true, result: "Echo: still here" });
  });

  it("a server's configured timeout applies when the request sets none", async () => {
    await restBind("call-server-timeout");
    const slow = await restExecute("call-server-timeout", "mcp_slow_server_trigger-long-running-operation", {
      duration: 5,
      steps: 1,
    });
    expect(slow.body).toMatchObject({
      success: false,
      error: { code: "upstream_timeout", message: stringContaining("500 ms") },
    });
  });

  it("unbinding the session cancels its pending calls", async () => {
    await restBind("call-cancel");
    const calls = async () => (await upstream("stable").stats()).methods["tools/call"] ?? 0;
    const before = await calls();
    const pending = restExecute(
      "call-cancel",
      "mcp_everything_trigger-long-running-operation",
      { duration: 5, steps: 1 },
      { timeoutMs: 20_000 },
    );
    await pollUntil(calls, (n) => n > before, "the call to reach the upstream");
    expect((await restUnbind("call-cancel")).status).toBe(200);
    const res = await pending;
    expect(res.body).toMatchObject({ success: false, error: { code: "cancelled" } });
  });

  it("fills ${VAR} placeholders from the Worker's vars and secrets, defaults included", async () => {
    await restBind("call-guarded");
    const res = await restExecute("call-guarded", "mcp_guarded_echo", { message: "with token" });
    expect(res.body).toMatchObject({ success: true, result: "Echo: with token" });
    const seen = (await upstream("guarded").stats()).last_headers;
    expect(seen.authorization).toBe("Bearer guarded-test-token");
    expect(seen["x-client"]).toBe("xiaozhi-tests");
  });

  it("refreshes the list when the server says it changed", async () => {
    await restBind("call-changed");
    // Connect both transports, so the session holds their notification streams.
    await restExecute("call-changed", "mcp_everything_echo", { message: "a" });
    await restExecute("call-changed", "mcp_everything_sse_echo", { message: "b" });
    await upstream("stable").addTool("added_later");
    try {
      const listed = await pollUntil(
        async () => (await tools("call-changed")).tools.map((t) => t.name),
        (names) => names.includes("mcp_everything_sse_added_later") && names.includes("mcp_everything_added_later"),
        "both servers' lists to show the new tool",
      );
      expect(listed).toContain("mcp_everything_sse_added_later");
      expect(listed).toContain("mcp_everything_added_later");
      const res = await restExecute("call-changed", "mcp_everything_sse_added_later");
      expect(res.body).toMatchObject({ success: true, result: "added_later ran" });
    } finally {
      await upstream("stable").removeTool("added_later");
    }
  });
});

describe("GET /api/v1/mcp/servers", () => {
  it("shows each configured server as the session sees it", async () => {
    await restBind("servers-1");
    await restExecute("servers-1", "mcp_everything_echo", { message: "x" });
    const state = await servers("servers-1");
    expect(state.everything).toMatchObject({
      status: "ready",
      transport: "streamable-http",
      transport_in_use: "streamable-http",
      last_error: null,
      breaker: { state: "closed", consecutive_failures: 0, retry_at: null },
    });
    expect(state.everything?.tool_count).toBeGreaterThanOrEqual(13);
    expect(state.everything?.last_latency_ms).toEqual(anyNumber);
    expect(state.everything?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    expect(state.restartable_sse).toMatchObject({ transport: "auto" });
    expect(state.amap).toMatchObject({
      status: "unsupported",
      transport: "stdio",
      last_error: stringContaining("bridge"),
    });
    expect(state.switched_off).toMatchObject({ status: "disabled", transport: null, url: null });
  });

  it("needs a bound session when a session_id is given (without one it is the tenant's view)", async () => {
    expect((await restRequest("/api/v1/mcp/servers")).status).toBe(200);
    expect((await restListServers("never-bound")).body.error?.code).toBe("session_not_found");
  });
});
