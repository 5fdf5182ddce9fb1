/**
 * @module test/external-faults.test
 * Upstream faults end calls when they happen, and status tells the truth: an upstream killed while a call
 * waits on it (over Streamable HTTP, where the POST's answer stream drops, and over SSE, where the event stream
 * does), an SSE session whose stream ends while no call runs, and the circuit breaker's recovery with listing
 * in between. Runs against the `flaky` host (servers
 * `restartable`, Streamable HTTP, and `restartable_sse`, SSE through transport `auto`), which it leaves running.
 */
import { describe, expect, inject, it } from "vitest";
import { indexBy, okBody, restBind, restExecute, restListServers, restListTools } from "./api";
import { newExternalSource } from "./external-source";
import { CONTRACT_SESSION } from "./tool-sources/contract";
import { anyString, stringContaining } from "./matchers";
import { pollUntil } from "./poll";
import { upstream } from "./upstreams/control";

const flaky = upstream("flaky");

/**
 * The bound is "within a second" of the drop (it took the whole 15 s timeout before); the slack above
 * it is for a loaded machine, still far below any timeout in play.
 */
const ENDS_AFTER_DROP_WITHIN_MS = 2_000;

/** How long a server found down is left alone by listing (RECHECK_FAILED_SERVER_AFTER_MS in server-slot.ts), plus slack. */
const LISTING_RECHECKS_AFTER_MS = 5_200;

describe("an upstream killed mid-call", { timeout: 30_000 }, () => {
  for (const server of ["restartable", "restartable_sse"]) {
    it(`${server}: the call ends as upstream_unavailable when the connection drops, and status says so`, async () => {
      const session = `killed-mid-call-${server}`;
      await restBind(session);
      expect((await restExecute(session, `mcp_${server}_echo`, { message: "up" })).body.success).toBe(true);
      const before = (await restListServers(session)).body.servers.find((s) => s.name === server);
      expect(before).toMatchObject({ status: "ready", last_error: null });

      const calls = (await flaky.stats()).methods["tools/call"] ?? 0;
      const call = restExecute(
        session,
        `mcp_${server}_trigger-long-running-operation`,
        { duration: 10, steps: 1 },
        { timeoutMs: 15_000 },
      );
      // The call is in flight once the host counts it; a moment later its answer stream is open.
      await pollUntil(flaky.stats, (stats) => (stats.methods["tools/call"] ?? 0) > calls, "the call to reach the host");
      await scheduler.wait(100);
      const droppedAt = Date.now();
      await flaky.stop();
      try {
        const res = await call;
        expect(Date.now() - droppedAt).toBeLessThan(ENDS_AFTER_DROP_WITHIN_MS);
        expect(res.body).toMatchObject({
          success: false,
          error: { code: "upstream_unavailable", message: stringContaining(`${server} is unavailable`) },
        });

        const status = (await restListServers(session)).body.servers.find((s) => s.name === server);
        expect(status).toMatchObject({ status: "failed", last_error: anyString });
        const sources = indexBy(okBody(await restListTools(session)).sources, "source");
        expect(sources[server]).toMatchObject({ status: "unavailable", tool_count: 0, error: anyString });
      } finally {
        await flaky.start();
      }
    });
  }
});

describe("an upstream killed while no call runs", { timeout: 30_000 }, () => {
  it("an SSE session whose stream ends is reported failed and unlisted, before any call finds out", async () => {
    // A source of its own: its list is fetched here, so no refresh of a stale list runs when the host stops.
    const { source, close } = newExternalSource({ idle_sse: { url: `${inject("upstreams").urls.flaky}/sse`, transport: "sse" } });
    try {
      expect((await source.listTools())[0]).toMatchObject({ status: "ok" });
      await flaky.stop();
      try {
        const status = await pollUntil(
          () => source.status()[0],
          (server) => server?.status === "failed",
          "the broken stream to be reported",
        );
        expect(status).toMatchObject({ last_error: stringContaining("event stream lost") });
        expect((await source.listTools())[0]).toMatchObject({
          status: "unavailable",
          tools: [],
          error: stringContaining("event stream lost"),
        });
      } finally {
        await flaky.start();
      }
    } finally {
      await close();
    }
  });
});

describe("the circuit breaker after the upstream recovers", { timeout: 30_000 }, () => {
  it("listing in between does not take the probe: the first call after the cool-down goes through", async () => {
    const url = `${inject("upstreams").urls.flaky}/mcp`;
    const { source, close } = newExternalSource(
      { recovering: { url, transport: "streamable-http" } },
      { breaker: { failure_threshold: 1, cooldown_ms: 100 } },
    );
    try {
      expect((await source.listTools())[0]).toMatchObject({ status: "ok" });
      const echo = source.resolveAlias("mcp_echo")!;
      const slow = source.resolveAlias("mcp_trigger-long-running-operation")!;
      await flaky.stop();
      try {
        expect((await source.callTool(echo, { message: "down" }, { session: CONTRACT_SESSION })).error?.code).toBe(
          "upstream_unavailable",
        );
        expect(source.status()[0]?.breaker).toMatchObject({ state: "open" });
      } finally {
        await flaky.start();
      }
      await scheduler.wait(LISTING_RECHECKS_AFTER_MS);
      // This listing checks the server again in the background; the calls right after it do not wait for that.
      await source.listTools();
      const probe = source.callTool(slow, { duration: 0.5, steps: 1 }, { session: CONTRACT_SESSION });
      const meanwhile = await source.callTool(echo, { message: "while probing" }, { session: CONTRACT_SESSION });
      expect(meanwhile).toMatchObject({
        success: false,
        error: { code: "upstream_unavailable", message: stringContaining("one call is probing it now") },
      });
      expect(meanwhile.error?.message).not.toMatch(/\b0 s more/);
      expect(await probe).toMatchObject({ success: true });
      expect(await source.callTool(echo, { message: "back" }, { session: CONTRACT_SESSION })).toMatchObject({
        success: true,
        result: "Echo: back",
      });
    } finally {
      await close();
    }
  });
});
