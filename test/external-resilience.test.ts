/**
 * What a session's upstream connections survive: many calls, eviction of the Durable Object, an upstream
 * that stops and comes back, one that stays down (circuit breaker), a tool that disappears. Runs against the
 * `flaky` host only (servers `restartable`, Streamable HTTP, and `restartable_sse`, SSE reached through
 * transport `auto`), which no other test file stops.
 */
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, bindSession } from "./helpers";
import { eventually, messageCount, upstream } from "./upstreams/control";

const flaky = upstream("flaky");

function call(sessionId: string, tool: string, args: Record<string, unknown> = {}) {
  return api(`/api/v1/mcp/tools/${tool}/execute`, { body: { session_id: sessionId, arguments: args } });
}

async function sourcesOf(sessionId: string) {
  const res = await api(`/api/v1/mcp/tools?session_id=${sessionId}`);
  expect(res.status).toBe(200);
  return Object.fromEntries((res.body.sources as Array<Record<string, any>>).map((s) => [s.source, s]));
}

describe("upstream connections", { timeout: 15_000 }, () => {
  it("one initialize per server serves many calls in a session", async () => {
    await bindSession("many-calls");
    await call("many-calls", "mcp_restartable_echo", { message: "warm up" });
    await call("many-calls", "mcp_restartable_sse_echo", { message: "warm up" });
    const before = await flaky.stats();
    for (let i = 0; i < 5; i++) {
      expect((await call("many-calls", "mcp_restartable_echo", { message: `http ${i}` })).body.result).toBe(`Echo: http ${i}`);
      expect((await call("many-calls", "mcp_restartable_sse_echo", { message: `sse ${i}` })).body.result).toBe(`Echo: sse ${i}`);
    }
    const after = await flaky.stats();
    expect(after.methods["tools/call"]! - before.methods["tools/call"]!).toBe(10);
    expect(after.initialize).toBe(before.initialize);
  });

  it("after the object is reset the next call works; the Streamable HTTP session is resumed without initialize", async () => {
    await bindSession("evicted");
    await call("evicted", "mcp_restartable_echo", { message: "before" });
    // A reset as a deploy or a runtime restart does it. (evictDurableObject waits for the object to go idle,
    // which one holding upstream streams is not until the alarm closes them, after external.idle_close_seconds:
    // see short-timers/idle-close.test.ts.)
    await abortAllDurableObjects();
    const fresh = (await api("/api/v1/mcp/servers?session_id=evicted")).body.servers.find((s: any) => s.name === "restartable");
    expect(fresh).toMatchObject({ status: "idle", last_latency_ms: null });
    const before = await flaky.stats();
    expect((await call("evicted", "mcp_restartable_echo", { message: "after" })).body).toMatchObject({
      success: true,
      result: "Echo: after",
    });
    expect((await flaky.stats()).initialize).toBe(before.initialize);
    // An SSE session lives as long as its stream, which the reset ended: one new session is opened
    // (transport auto first offers it Streamable HTTP again, which this server refuses).
    expect((await call("evicted", "mcp_restartable_sse_echo", { message: "after" })).body).toMatchObject({ success: true });
    const after = await flaky.stats();
    expect(after.methods["notifications/initialized"]).toBe(before.methods["notifications/initialized"]! + 1);
  });

  it("unbinding ends the session's Streamable HTTP sessions upstream", async () => {
    await bindSession("ended");
    await call("ended", "mcp_restartable_echo", { message: "open a session" });
    const before = (await flaky.stats()).terminated;
    expect((await api("/api/v1/mcp/sessions/ended", { method: "DELETE" })).status).toBe(200);
    const after = await eventually(flaky.stats, (stats) => stats.terminated > before);
    expect(after.terminated).toBe(before + 1);
  });

  it("unbinding ends them too when the object was reset since, from what it stored", async () => {
    await bindSession("ended-after-reset");
    await call("ended-after-reset", "mcp_restartable_echo", { message: "open a session" });
    await abortAllDurableObjects();
    const before = (await flaky.stats()).terminated;
    expect((await api("/api/v1/mcp/sessions/ended-after-reset", { method: "DELETE" })).status).toBe(200);
    const after = await eventually(flaky.stats, (stats) => stats.terminated > before);
    expect(after.terminated).toBe(before + 1);
  });

  it("a warm cache answers a new session's listing without contacting the upstream", async () => {
    await bindSession("cache-warm");
    const before = await flaky.stats();
    await bindSession("cache-fresh");
    const sources = await sourcesOf("cache-fresh");
    expect(sources.restartable).toMatchObject({ status: "ok", tool_count: 13 });
    expect(sources.restartable_sse).toMatchObject({ status: "ok", tool_count: 13 });
    const after = await flaky.stats();
    expect(messageCount(after)).toBe(messageCount(before));
    expect(after.refused).toBe(before.refused);
  });

  it("an upstream that stops fails its calls, not the listing; once back, calls work again in the same session", async () => {
    await bindSession("restart");
    expect((await call("restart", "mcp_restartable_echo", { message: "up" })).body.success).toBe(true);
    expect((await call("restart", "mcp_restartable_sse_echo", { message: "up" })).body.success).toBe(true);
    await flaky.stop();
    try {
      for (const tool of ["mcp_restartable_echo", "mcp_restartable_sse_echo"]) {
        const res = await call("restart", tool, { message: "down" });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ success: false, action: "error", error: { code: "upstream_unavailable" } });
      }
      const sources = await sourcesOf("restart");
      expect(sources.restartable).toMatchObject({ status: "unavailable", tool_count: 0, error: expect.any(String) });
      expect(sources.restartable_sse).toMatchObject({ status: "unavailable", tool_count: 0 });
      expect(sources.everything).toMatchObject({ status: "ok", tool_count: expect.any(Number) });
      expect(sources.local).toMatchObject({ status: "ok" });
    } finally {
      await flaky.start();
    }
    // The restarted server knows none of the old sessions: the Streamable HTTP one is replaced by itself.
    expect((await call("restart", "mcp_restartable_echo", { message: "back" })).body).toMatchObject({
      success: true,
      result: "Echo: back",
    });
    expect((await call("restart", "mcp_restartable_sse_echo", { message: "back" })).body).toMatchObject({
      success: true,
      result: "Echo: back",
    });
  });

  it("a call that finds its tool gone says so and refreshes the list", async () => {
    await bindSession("gone-watcher");
    await call("gone-watcher", "mcp_restartable_echo", { message: "hold a connection" });
    await flaky.addTool("ephemeral");
    // The watcher's connection hears list_changed and refreshes the shared cache.
    await eventually(
      async () =>
        Object.keys(await sourcesOf("gone-watcher")).length &&
        (await api("/api/v1/mcp/tools?session_id=gone-watcher")).body.tools.map((t: any) => t.name),
      (names) => Array.isArray(names) && names.includes("mcp_restartable_ephemeral"),
    );
    // A redeploy without the tool, which sends no notification to anyone.
    await flaky.removeTool("ephemeral");
    await flaky.stop();
    await flaky.start();
    await bindSession("gone-caller");
    const listed = (await api("/api/v1/mcp/tools?session_id=gone-caller")).body.tools.map((t: any) => t.name);
    expect(listed).toContain("mcp_restartable_ephemeral");
    const res = await call("gone-caller", "mcp_restartable_ephemeral");
    expect(res.body).toMatchObject({
      success: false,
      error: { code: "tool_error", message: expect.stringContaining("no longer offers") },
    });
    const after = await eventually(
      async () => (await api("/api/v1/mcp/tools?session_id=gone-caller")).body.tools.map((t: any) => t.name) as string[],
      (names) => !names.includes("mcp_restartable_ephemeral"),
    );
    expect(after).not.toContain("mcp_restartable_ephemeral");
    expect(after).toContain("mcp_restartable_echo");
  });

  it("after repeated failures the circuit opens: calls fail fast without touching the upstream", async () => {
    await bindSession("breaker");
    await flaky.stop();
    try {
      let res = await call("breaker", "mcp_restartable_echo", { message: "x" });
      for (let i = 0; i < 10 && !/fail fast/.test(res.body.error?.message ?? ""); i++) {
        expect(res.body.error.code).toBe("upstream_unavailable");
        res = await call("breaker", "mcp_restartable_echo", { message: "x" });
      }
      expect(res.body).toMatchObject({
        success: false,
        error: { code: "upstream_unavailable", message: expect.stringContaining("fail fast") },
      });
      const refused = (await flaky.stats()).refused;
      expect((await call("breaker", "mcp_restartable_echo", { message: "x" })).body.error.message).toContain("fail fast");
      expect((await flaky.stats()).refused).toBe(refused);
      const state = (await api("/api/v1/mcp/servers?session_id=breaker")).body.servers.find((s: any) => s.name === "restartable");
      expect(state.breaker).toMatchObject({ state: "open", consecutive_failures: 5, retry_at: expect.any(String) });
      expect((await sourcesOf("breaker")).restartable).toMatchObject({
        status: "unavailable",
        error: expect.stringContaining("fail fast"),
      });
    } finally {
      await flaky.start();
    }
  });
});
