/**
 * @module test/external-resilience.test
 * What a session's upstream connections survive: many calls, eviction of the Durable Object, an upstream
 * that stops and comes back, one that stays down (circuit breaker), a tool that disappears. Runs against the
 * `flaky` host only (servers `restartable`, Streamable HTTP, and `restartable_sse`, SSE reached through
 * transport `auto`), which no other test file stops.
 */
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { indexBy, okBody, restBind, restExecute, restListServers, restListTools, restUnbind } from "./api";
import { pollUntil } from "./poll";
import { messageCount, upstream } from "./upstreams/control";
import { anyNumber, anyString, stringContaining } from "./matchers";

const flaky = upstream("flaky");

const sourcesOf = async (sessionId: string) => indexBy(okBody(await restListTools(sessionId)).sources, "source");
const toolNames = async (sessionId: string) => (await restListTools(sessionId)).body.tools.map((t) => t.name);

describe("upstream connections", { timeout: 15_000 }, () => {
  it("one initialize per server serves many calls in a session", async () => {
    await restBind("many-calls");
    await restExecute("many-calls", "mcp_restartable_echo", { message: "warm up" });
    await restExecute("many-calls", "mcp_restartable_sse_echo", { message: "warm up" });
    const before = await flaky.stats();
    for (let i = 0; i < 5; i++) {
      expect((await restExecute("many-calls", "mcp_restartable_echo", { message: `http ${i}` })).body.result).toBe(
        `Echo: http ${i}`,
      );
      expect((await restExecute("many-calls", "mcp_restartable_sse_echo", { message: `sse ${i}` })).body.result).toBe(
        `Echo: sse ${i}`,
      );
    }
    const after = await flaky.stats();
    expect(after.methods["tools/call"]! - before.methods["tools/call"]!).toBe(10);
    expect(after.initialize).toBe(before.initialize);
  });

  it("a 2025-era server gets one discover probe, then exactly one initialize, per session, and none after a reset", async () => {
    // A warm tool-list cache, so the session's listings contact no server and only its calls connect.
    await restBind("one-initialize-warm");
    okBody(await restListTools("one-initialize-warm"));
    await restBind("one-initialize");
    okBody(await restListTools("one-initialize"));
    const before = await flaky.stats();
    for (let i = 0; i < 3; i++) {
      expect((await restExecute("one-initialize", "mcp_restartable_echo", { message: `call ${i}` })).body.success).toBe(true);
    }
    const after = await flaky.stats();
    expect(after.initialize).toBe(before.initialize + 1);
    expect(after.methods["server/discover"]).toBe((before.methods["server/discover"] ?? 0) + 1);
    await abortAllDurableObjects();
    expect((await restExecute("one-initialize", "mcp_restartable_echo", { message: "resumed" })).body.success).toBe(true);
    const resumed = await flaky.stats();
    expect(resumed.initialize).toBe(after.initialize);
    expect(resumed.methods["server/discover"]).toBe(after.methods["server/discover"]);
  });

  it("after the object is reset the next call works; the Streamable HTTP session is resumed without initialize", async () => {
    await restBind("evicted");
    await restExecute("evicted", "mcp_restartable_echo", { message: "before" });
    // A reset as a deploy or a runtime restart does it. (evictDurableObject waits for the object to go idle,
    // which one holding upstream streams is not until the alarm closes them, after external.idle_close_seconds:
    // see short-timers/idle-close.test.ts.)
    await abortAllDurableObjects();
    const fresh = (await restListServers("evicted")).body.servers.find((s) => s.name === "restartable");
    expect(fresh).toMatchObject({ status: "idle", last_latency_ms: null });
    const before = await flaky.stats();
    expect((await restExecute("evicted", "mcp_restartable_echo", { message: "after" })).body).toMatchObject({
      success: true,
      result: "Echo: after",
    });
    expect((await flaky.stats()).initialize).toBe(before.initialize);
    // An SSE session lives as long as its stream, which the reset ended: one new session is opened
    // (transport auto first offers it Streamable HTTP again, which this server refuses).
    expect((await restExecute("evicted", "mcp_restartable_sse_echo", { message: "after" })).body).toMatchObject({
      success: true,
    });
    const after = await flaky.stats();
    expect(after.methods["notifications/initialized"]).toBe(before.methods["notifications/initialized"]! + 1);
  });

  it("unbinding ends the session's Streamable HTTP sessions upstream", async () => {
    await restBind("ended");
    await restExecute("ended", "mcp_restartable_echo", { message: "open a session" });
    const before = (await flaky.stats()).terminated;
    expect((await restUnbind("ended")).status).toBe(200);
    const after = await pollUntil(flaky.stats, (stats) => stats.terminated > before, "the upstream session to be ended");
    expect(after.terminated).toBe(before + 1);
  });

  it("unbinding ends them too when the object was reset since, from what it stored", async () => {
    await restBind("ended-after-reset");
    await restExecute("ended-after-reset", "mcp_restartable_echo", { message: "open a session" });
    await abortAllDurableObjects();
    const before = (await flaky.stats()).terminated;
    expect((await restUnbind("ended-after-reset")).status).toBe(200);
    const after = await pollUntil(flaky.stats, (stats) => stats.terminated > before, "the upstream session to be ended");
    expect(after.terminated).toBe(before + 1);
  });

  it("a warm cache answers a new session's listing without contacting the upstream", async () => {
    await restBind("cache-warm");
    const before = await flaky.stats();
    await restBind("cache-fresh");
    const sources = await sourcesOf("cache-fresh");
    expect(sources.restartable).toMatchObject({ status: "ok", tool_count: 13 });
    expect(sources.restartable_sse).toMatchObject({ status: "ok", tool_count: 13 });
    const after = await flaky.stats();
    expect(messageCount(after)).toBe(messageCount(before));
    expect(after.refused).toBe(before.refused);
  });

  it("an upstream that stops fails its calls, not the listing; once back, calls work again in the same session", async () => {
    await restBind("restart");
    expect((await restExecute("restart", "mcp_restartable_echo", { message: "up" })).body.success).toBe(true);
    expect((await restExecute("restart", "mcp_restartable_sse_echo", { message: "up" })).body.success).toBe(true);
    await flaky.stop();
    try {
      for (const tool of ["mcp_restartable_echo", "mcp_restartable_sse_echo"]) {
        const res = await restExecute("restart", tool, { message: "down" });
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ success: false, action: "error", error: { code: "upstream_unavailable" } });
      }
      const sources = await sourcesOf("restart");
      expect(sources.restartable).toMatchObject({ status: "unavailable", tool_count: 0, error: anyString });
      expect(sources.restartable_sse).toMatchObject({ status: "unavailable", tool_count: 0 });
      expect(sources.everything).toMatchObject({ status: "ok", tool_count: anyNumber });
      expect(sources.local).toMatchObject({ status: "ok" });
    } finally {
      await flaky.start();
    }
    // The restarted server knows none of the old sessions: the Streamable HTTP one is replaced by itself.
    expect((await restExecute("restart", "mcp_restartable_echo", { message: "back" })).body).toMatchObject({
      success: true,
      result: "Echo: back",
    });
    expect((await restExecute("restart", "mcp_restartable_sse_echo", { message: "back" })).body).toMatchObject({
      success: true,
      result: "Echo: back",
    });
  });

  it("a call that finds its tool gone says so and refreshes the list", async () => {
    await restBind("gone-watcher");
    await restExecute("gone-watcher", "mcp_restartable_echo", { message: "hold a connection" });
    await flaky.addTool("ephemeral");
    // The watcher's connection hears list_changed and refreshes the shared cache. (The tool's name depends on
    // which other servers list a tool of that name by then: waited for by its server and original name.)
    await pollUntil(
      async () => {
        await sourcesOf("gone-watcher");
        return (await restListTools("gone-watcher")).body.tools;
      },
      (tools) => tools.some((t) => t.server === "restartable" && t.original_name === "ephemeral"),
      "the new tool to be listed",
    );
    // A redeploy without the tool, which sends no notification to anyone.
    await flaky.removeTool("ephemeral");
    await flaky.stop();
    await flaky.start();
    await restBind("gone-caller");
    const listed = await toolNames("gone-caller");
    expect(listed).toContain("mcp_restartable_ephemeral");
    const res = await restExecute("gone-caller", "mcp_restartable_ephemeral");
    expect(res.body).toMatchObject({
      success: false,
      error: { code: "tool_error", message: stringContaining("no longer offers") },
    });
    const after = await pollUntil(
      () => toolNames("gone-caller"),
      (names) => !names.includes("mcp_restartable_ephemeral"),
      "the gone tool to leave the list",
    );
    expect(after).not.toContain("mcp_restartable_ephemeral");
    expect(after).toContain("mcp_restartable_echo");
  });

  it("after repeated failures the circuit opens: calls fail fast without touching the upstream", async () => {
    await restBind("breaker");
    await flaky.stop();
    try {
      let res = await restExecute("breaker", "mcp_restartable_echo", { message: "x" });
      for (let i = 0; i < 10 && !/fail fast/.test(res.body.error?.message ?? ""); i++) {
        expect(res.body.error?.code).toBe("upstream_unavailable");
        res = await restExecute("breaker", "mcp_restartable_echo", { message: "x" });
      }
      expect(res.body).toMatchObject({
        success: false,
        error: { code: "upstream_unavailable", message: stringContaining("fail fast") },
      });
      const refused = (await flaky.stats()).refused;
      expect((await restExecute("breaker", "mcp_restartable_echo", { message: "x" })).body.error?.message).toContain("fail fast");
      expect((await flaky.stats()).refused).toBe(refused);
      const state = (await restListServers("breaker")).body.servers.find((s) => s.name === "restartable");
      expect(state?.breaker).toMatchObject({ state: "open", consecutive_failures: 5, retry_at: anyString });
      expect((await sourcesOf("breaker")).restartable).toMatchObject({
        status: "unavailable",
        error: stringContaining("fail fast"),
      });
    } finally {
      await flaky.start();
    }
  });
});
