/**
 * Connecting to an upstream has its own deadline (`external.connect_timeout_ms`, 2 s in this project), apart
 * from any caller's: a server that answers the SSE GET but never names its message endpoint cannot leave the
 * connection stuck, and a caller that gives up early does not fail the others waiting on the same connect.
 * Runs against the `short_timers` host, whose SSE start the tests hold back.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { api, bindSession } from "../helpers";
import { eventually, upstream } from "../upstreams/control";

const host = upstream("short_timers");

function call(sessionId: string, tool: string, args: Record<string, unknown>, timeoutMs?: number) {
  return api(`/api/v1/mcp/tools/${tool}/execute`, {
    body: { session_id: sessionId, arguments: args, ...(timeoutMs === undefined ? {} : { timeout_ms: timeoutMs }) },
  });
}

beforeAll(async () => {
  // The tool lists in the cache, so the sessions below know the tools without connecting to list them.
  await bindSession("warm-up");
  const { sources } = (await api("/api/v1/mcp/tools?session_id=warm-up")).body;
  expect(sources.find((s: { source: string }) => s.source === "timers_sse")).toMatchObject({ status: "ok" });
  await api("/api/v1/mcp/sessions/warm-up", { method: "DELETE" });
  await eventually(host.stats, (stats) => stats.open_streams === 0);
});

describe("connecting to an upstream", { timeout: 20_000 }, () => {
  it("a connect that never completes ends at its own deadline, closing its stream; the next call connects again", async () => {
    await bindSession("stuck");
    await host.holdSseStart("never");
    try {
      const impatient = await call("stuck", "mcp_timers_sse_echo", { message: "a" }, 300);
      expect(impatient.body).toMatchObject({ success: false, error: { code: "upstream_timeout" } });
      // Waits for the same connect, which gives up at its own deadline.
      const waiting = await call("stuck", "mcp_timers_sse_echo", { message: "b" }, 5_000);
      expect(waiting.body).toMatchObject({
        success: false,
        error: { code: "upstream_unavailable", message: expect.stringContaining("within 2000 ms") },
      });
      expect((await eventually(host.stats, (stats) => stats.open_streams === 0)).open_streams).toBe(0);
    } finally {
      await host.holdSseStart("now");
    }
    const next = await call("stuck", "mcp_timers_sse_echo", { message: "c" });
    expect(next.body).toMatchObject({ success: true, result: "Echo: c" });
  });

  it("a caller that gives up early does not fail the others waiting on the same connect", async () => {
    await bindSession("shared");
    const before = (await host.stats()).open_streams;
    await host.holdSseStart(1_000);
    try {
      const impatient = call("shared", "mcp_timers_sse_echo", { message: "a" }, 300);
      await eventually(host.stats, (stats) => stats.open_streams > before);
      const patient = call("shared", "mcp_timers_sse_echo", { message: "b" }, 10_000);
      expect((await impatient).body).toMatchObject({ success: false, error: { code: "upstream_timeout" } });
      expect((await patient).body).toMatchObject({ success: true, result: "Echo: b" });
    } finally {
      await host.holdSseStart("now");
    }
  });
});
