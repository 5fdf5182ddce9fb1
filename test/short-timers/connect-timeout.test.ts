/**
 * @module test/short-timers/connect-timeout.test
 * Connecting to an upstream has its own deadline (`external.connect_timeout_ms`, 2 s in this project), apart
 * from any caller's: a server that answers the SSE GET but never names its message endpoint cannot leave the
 * connection stuck, and a caller that gives up early does not fail the others waiting on the same connect.
 * Runs against the `short_timers` host, whose SSE start the tests hold back.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { restBind, restExecute, restListTools, restUnbind } from "../api";
import { pollUntil } from "../poll";
import { upstream } from "../upstreams/control";
import { stringContaining } from "../matchers";

const host = upstream("short_timers");

beforeAll(async () => {
  // The tool lists in the cache, so the sessions below know the tools without connecting to list them.
  await restBind("warm-up");
  const { sources } = (await restListTools("warm-up")).body;
  expect(sources.find((s) => s.source === "timers_sse")).toMatchObject({ status: "ok" });
  await restUnbind("warm-up");
  await pollUntil(host.stats, (stats) => stats.open_streams === 0, "the warm-up's streams to close");
});

describe("connecting to an upstream", { timeout: 20_000 }, () => {
  it("a connect that never completes ends at its own deadline, closing its stream; the next call connects again", async () => {
    await restBind("stuck");
    await host.holdSseStart("never");
    try {
      const impatient = await restExecute("stuck", "mcp_timers_sse_echo", { message: "a" }, { timeoutMs: 300 });
      expect(impatient.body).toMatchObject({ success: false, error: { code: "upstream_timeout" } });
      // Waits for the same connect, which gives up at its own deadline.
      const waiting = await restExecute("stuck", "mcp_timers_sse_echo", { message: "b" }, { timeoutMs: 5_000 });
      expect(waiting.body).toMatchObject({
        success: false,
        error: { code: "upstream_unavailable", message: stringContaining("within 2000 ms") },
      });
      const closed = await pollUntil(host.stats, (stats) => stats.open_streams === 0, "the stuck stream to close");
      expect(closed.open_streams).toBe(0);
    } finally {
      await host.holdSseStart("now");
    }
    const next = await restExecute("stuck", "mcp_timers_sse_echo", { message: "c" });
    expect(next.body).toMatchObject({ success: true, result: "Echo: c" });
  });

  it("a caller that gives up early does not fail the others waiting on the same connect", async () => {
    await restBind("shared");
    const before = (await host.stats()).open_streams;
    await host.holdSseStart(1_000);
    try {
      const impatient = restExecute("shared", "mcp_timers_sse_echo", { message: "a" }, { timeoutMs: 300 });
      await pollUntil(host.stats, (stats) => stats.open_streams > before, "the connect to open its stream");
      const patient = restExecute("shared", "mcp_timers_sse_echo", { message: "b" }, { timeoutMs: 10_000 });
      expect((await impatient).body).toMatchObject({ success: false, error: { code: "upstream_timeout" } });
      expect((await patient).body).toMatchObject({ success: true, result: "Echo: b" });
    } finally {
      await host.holdSseStart("now");
    }
  });
});
