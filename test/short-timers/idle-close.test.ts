/**
 * @module test/short-timers/idle-close.test
 * Idle upstream connections are closed by the session's alarm (`external.idle_close_seconds`, 1 s in this
 * project), so their open streams (the SSE session, the Streamable HTTP GET stream the SDK opens after
 * `initialize`) do not keep the Durable Object awake: once closed, nothing is in flight and the object can be
 * evicted. Runs against the `short_timers` host, which counts the streams open on it.
 */
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { restBind, restExecute, restListServers } from "../api";
import { pollUntil } from "../poll";
import { sessionObject } from "../session-object";
import { upstream } from "../upstreams/control";
import { anyString } from "../matchers";

const host = upstream("short_timers");

const call = (sessionId: string, tool: string, message: string) => restExecute(sessionId, tool, { message });

const serverState = async (sessionId: string, server: string) =>
  (await restListServers(sessionId)).body.servers.find((s) => s.name === server);

describe("idle upstream connections", { timeout: 15_000 }, () => {
  it("Streamable HTTP: closed once idle, so the object can be evicted; the next calls resume the session without initialize", async () => {
    await restBind("idle-http");
    expect((await call("idle-http", "mcp_timers_echo", "open")).body).toMatchObject({ success: true });
    const negotiated = (await host.stats()).last_headers["mcp-protocol-version"];
    expect(negotiated).toEqual(anyString);
    // The SDK opens its GET stream once initialized; the alarm closes it with the connection.
    await pollUntil(host.stats, (stats) => stats.open_streams > 0, "the GET stream to open");
    const closed = await pollUntil(host.stats, (stats) => stats.open_streams === 0, "the idle connection to close");
    expect(closed.open_streams).toBe(0);
    expect(await serverState("idle-http", "timers")).toMatchObject({ status: "idle" });
    await evictDurableObject(sessionObject("idle-http"));

    const before = await host.stats();
    expect((await call("idle-http", "mcp_timers_echo", "resumed")).body).toMatchObject({
      success: true,
      result: "Echo: resumed",
    });
    // Closed again once idle, and resumed again, still speaking the protocol version negotiated at initialize.
    await pollUntil(
      () => serverState("idle-http", "timers"),
      (state) => state?.status === "idle",
      "the resumed connection to close again",
    );
    expect((await call("idle-http", "mcp_timers_echo", "again")).body).toMatchObject({ success: true, result: "Echo: again" });
    const after = await host.stats();
    expect(after.initialize).toBe(before.initialize);
    expect(after.last_headers["mcp-protocol-version"]).toBe(negotiated);
  });

  it("SSE: closed once idle, ending its session; the next call opens a new one", async () => {
    await restBind("idle-sse");
    expect((await call("idle-sse", "mcp_timers_sse_echo", "open")).body).toMatchObject({ success: true });
    const closed = await pollUntil(host.stats, (stats) => stats.open_streams === 0, "the idle SSE session to close");
    expect(closed.open_streams).toBe(0);
    expect(await serverState("idle-sse", "timers_sse")).toMatchObject({ status: "idle" });
    await evictDurableObject(sessionObject("idle-sse"));

    const before = await host.stats();
    expect((await call("idle-sse", "mcp_timers_sse_echo", "again")).body).toMatchObject({ success: true, result: "Echo: again" });
    expect((await host.stats()).initialize).toBe(before.initialize + 1);
  });
});
