/**
 * Idle upstream connections are closed by the session's alarm (`external.idle_close_seconds`, 1 s in this
 * project), so their open streams (the SSE session, the Streamable HTTP GET stream the SDK opens after
 * `initialize`) do not keep the Durable Object awake: once closed, nothing is in flight and the object can be
 * evicted. Runs against the `short_timers` host, which counts the streams open on it.
 */
import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { sessionStub } from "../../src/api/session-calls";
import { api, bindSession } from "../helpers";
import { TENANT_A_KEY, TEST_API_KEYS } from "../keys";
import { eventually, upstream } from "../upstreams/control";

const host = upstream("short_timers");

function call(sessionId: string, tool: string, message: string) {
  return api(`/api/v1/mcp/tools/${tool}/execute`, { body: { session_id: sessionId, arguments: { message } } });
}

async function serverState(sessionId: string, server: string) {
  const res = await api(`/api/v1/mcp/servers?session_id=${sessionId}`);
  return (res.body.servers as Array<{ name: string; status: string }>).find((s) => s.name === server);
}

const stub = (sessionId: string) => sessionStub(env, TEST_API_KEYS[TENANT_A_KEY], sessionId);

describe("idle upstream connections", { timeout: 15_000 }, () => {
  it("Streamable HTTP: closed once idle, so the object can be evicted; the next calls resume the session without initialize", async () => {
    await bindSession("idle-http");
    expect((await call("idle-http", "mcp_timers_echo", "open")).body).toMatchObject({ success: true });
    const negotiated = (await host.stats()).last_headers["mcp-protocol-version"];
    expect(negotiated).toEqual(expect.any(String));
    // The SDK opens its GET stream once initialized; the alarm closes it with the connection.
    await eventually(host.stats, (stats) => stats.open_streams > 0);
    expect((await eventually(host.stats, (stats) => stats.open_streams === 0)).open_streams).toBe(0);
    expect(await serverState("idle-http", "timers")).toMatchObject({ status: "idle" });
    await evictDurableObject(stub("idle-http"));

    const before = await host.stats();
    expect((await call("idle-http", "mcp_timers_echo", "resumed")).body).toMatchObject({
      success: true,
      result: "Echo: resumed",
    });
    // Closed again once idle, and resumed again, still speaking the protocol version negotiated at initialize.
    await eventually(
      () => serverState("idle-http", "timers"),
      (state) => state?.status === "idle",
    );
    expect((await call("idle-http", "mcp_timers_echo", "again")).body).toMatchObject({ success: true, result: "Echo: again" });
    const after = await host.stats();
    expect(after.initialize).toBe(before.initialize);
    expect(after.last_headers["mcp-protocol-version"]).toBe(negotiated);
  });

  it("SSE: closed once idle, ending its session; the next call opens a new one", async () => {
    await bindSession("idle-sse");
    expect((await call("idle-sse", "mcp_timers_sse_echo", "open")).body).toMatchObject({ success: true });
    expect((await eventually(host.stats, (stats) => stats.open_streams === 0)).open_streams).toBe(0);
    expect(await serverState("idle-sse", "timers_sse")).toMatchObject({ status: "idle" });
    await evictDurableObject(stub("idle-sse"));

    const before = await host.stats();
    expect((await call("idle-sse", "mcp_timers_sse_echo", "again")).body).toMatchObject({ success: true, result: "Echo: again" });
    expect((await host.stats()).initialize).toBe(before.initialize + 1);
  });
});
