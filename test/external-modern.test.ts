/**
 * @module test/external-modern.test
 * An upstream of the 2026-07-28 era only (server `modern`, the `modern` host: stateless, refuses `initialize`;
 * see upstreams/modern-host.ts) behind the service: found by `server/discover`, listed, called over REST and
 * Connect, cached, remembered across eviction (no second probe), its circuit opened when it is killed; and its
 * `input_required` and task answers ending as `upstream_unsupported_result`. This file alone stops the host.
 */
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { indexBy, okBody, restBind, restExecute, restListServers, restListTools } from "./api";
import { stringContaining } from "./matchers";
import { rpcClient } from "./rpc-client";
import { messageCount, upstream } from "./upstreams/control";

const modern = upstream("modern");

const discovers = async () => (await modern.stats()).methods["server/discover"] ?? 0;
const calls = async () => (await modern.stats()).methods["tools/call"] ?? 0;

describe("an upstream of the 2026-07-28 era", { timeout: 20_000 }, () => {
  it("is discovered, listed and called without initialize, with the 2026-07-28 headers", async () => {
    await restBind("modern-list");
    const before = await modern.stats();
    const { tools, sources } = okBody(await restListTools("modern-list"));
    expect(indexBy(sources, "source").modern).toMatchObject({ kind: "external", status: "ok", tool_count: 4 });
    const names = tools.filter((t) => t.server === "modern").map((t) => t.name);
    // `echo` is every server's: it gets the server-qualified name; the others are the server's alone.
    expect(names.sort()).toEqual(["mcp_ask_name", "mcp_modern_echo", "mcp_slow_echo", "mcp_start_job"]);
    expect(okBody(await restExecute("modern-list", "mcp_modern_echo", { message: "hi" }))).toMatchObject({
      success: true,
      action: "req_llm",
      result: "Echo: hi",
    });
    const after = await modern.stats();
    expect(after.initialize).toBe(before.initialize);
    expect(after.methods["server/discover"]).toBeGreaterThan(before.methods["server/discover"] ?? 0);
    // The 2026-07-28 request headers, matching the body.
    expect(after.last_headers).toMatchObject({ "mcp-method": "tools/call", "mcp-name": "echo" });
    expect(after.last_headers["mcp-session-id"]).toBeUndefined();
    const server = okBody(await restListServers("modern-list")).servers.find((s) => s.name === "modern");
    expect(server).toMatchObject({ status: "ready", transport: "auto", transport_in_use: "streamable-http" });
  });

  it("is called through Connect as through REST", async () => {
    await restBind("modern-rpc");
    const res = await rpcClient("connect-json").executeTool({
      sessionId: "modern-rpc",
      toolName: "mcp_modern_echo",
      arguments: { message: "over connect" },
    });
    expect(res).toMatchObject({ success: true, result: "Echo: over connect" });
  });

  it("a warm cache answers a new session's listing without contacting it", async () => {
    await restBind("modern-cache-warm");
    okBody(await restListTools("modern-cache-warm"));
    const before = await modern.stats();
    await restBind("modern-cache-fresh");
    expect(indexBy(okBody(await restListTools("modern-cache-fresh")).sources, "source").modern).toMatchObject({
      status: "ok",
      tool_count: 4,
    });
    expect(messageCount(await modern.stats())).toBe(messageCount(before));
  });

  it("after the object is reset, calls go on from the stored discover answer: no second probe", async () => {
    await restBind("modern-evicted");
    expect(okBody(await restExecute("modern-evicted", "mcp_modern_echo", { message: "before" })).success).toBe(true);
    await abortAllDurableObjects();
    const [discovered, called] = [await discovers(), await calls()];
    expect(okBody(await restExecute("modern-evicted", "mcp_modern_echo", { message: "after" }))).toMatchObject({
      success: true,
      result: "Echo: after",
    });
    expect(await discovers()).toBe(discovered);
    expect(await calls()).toBe(called + 1);
  });

  it("a tool that asks for elicitation input ends as upstream_unsupported_result", async () => {
    await restBind("modern-input");
    // The service's client declares no elicitation capability, so the server refuses (-32021) rather than answer
    // input_required.
    expect(okBody(await restExecute("modern-input", "mcp_ask_name"))).toMatchObject({
      success: false,
      action: "error",
      error: { code: "upstream_unsupported_result", message: stringContaining("needs more input") },
    });
    const rpc = await rpcClient("connect-json").executeTool({ sessionId: "modern-input", toolName: "mcp_ask_name" });
    expect(rpc).toMatchObject({ success: false, error: { code: "upstream_unsupported_result" } });
    // The server answered: it is up, and the next call goes through.
    expect(okBody(await restExecute("modern-input", "mcp_modern_echo", { message: "still up" })).success).toBe(true);
  });

  it("a task answer (io.modelcontextprotocol/tasks) ends as upstream_unsupported_result", async () => {
    await restBind("modern-task");
    expect(okBody(await restExecute("modern-task", "mcp_start_job"))).toMatchObject({
      success: false,
      error: { code: "upstream_unsupported_result", message: stringContaining("as a task") },
    });
  });

  it("a call slower than its timeout is upstream_timeout", async () => {
    await restBind("modern-slow");
    const res = await restExecute("modern-slow", "mcp_slow_echo", { message: "late", ms: 1_500 }, { timeoutMs: 200 });
    expect(okBody(res).error).toMatchObject({ code: "upstream_timeout" });
  });

  it("killed, it fails calls and then its circuit opens; back up, it is discovered again", async () => {
    await restBind("modern-breaker");
    expect(okBody(await restExecute("modern-breaker", "mcp_modern_echo", { message: "up" })).success).toBe(true);
    await modern.stop();
    try {
      let res = await restExecute("modern-breaker", "mcp_modern_echo", { message: "x" });
      for (let i = 0; i < 10 && !/fail fast/.test(res.body.error?.message ?? ""); i++) {
        expect(res.body.error?.code).toBe("upstream_unavailable");
        res = await restExecute("modern-breaker", "mcp_modern_echo", { message: "x" });
      }
      expect(res.body.error).toMatchObject({ code: "upstream_unavailable", message: stringContaining("fail fast") });
      const refused = (await modern.stats()).refused;
      expect((await restExecute("modern-breaker", "mcp_modern_echo", { message: "x" })).body.error?.message).toContain(
        "fail fast",
      );
      expect((await modern.stats()).refused).toBe(refused);
      const state = okBody(await restListServers("modern-breaker")).servers.find((s) => s.name === "modern");
      expect(state?.breaker).toMatchObject({ state: "open", consecutive_failures: 5 });
    } finally {
      await modern.start();
    }
    // Back up: a new session (not behind this one's circuit) discovers it and calls it.
    await restBind("modern-after");
    const discovered = await discovers();
    expect(okBody(await restExecute("modern-after", "mcp_modern_echo", { message: "back" })).success).toBe(true);
    expect(await discovers()).toBe(discovered + 1);
  });
});
