/**
 * @module test/endpoint/lifecycle.test
 * An endpoint object's life with its sockets: JSON-RPC pings by its alarm (answered, or unanswered and closed
 * 4002), a handshake that never finishes (4000), its limits (frame size 1009, sockets 429, tools reported), and
 * eviction of the object, which keeps the connections and their tools.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  MAX_ENDPOINT_FRAME_BYTES,
  MAX_ENDPOINT_SOCKETS,
  MAX_ENDPOINT_TOOL_LIST_BYTES,
  MAX_ENDPOINT_TOOLS,
} from "../../src/contract/endpoint";
import { endpointObjectName } from "../../src/tools/endpoint/token";
import { okBody, restBind, restExecute, restGetEndpoint, restIssueEndpoint, restListTools } from "../api";
import { connectPeer, echoTool, requestEndpointSocket, untilReady, untilSent } from "../endpoint-peer";
import { TEST_API_KEYS, TENANT_A_KEY } from "../keys";
import { pollUntil } from "../poll";

const endpointObject = (agentId: string) =>
  env.AGENT_ENDPOINTS.getByName(endpointObjectName(TEST_API_KEYS[TENANT_A_KEY], agentId));

/** Moves every socket's moments `ms` into the past, as if that much time had gone by. */
async function age(agentId: string, ms: number): Promise<void> {
  await runInDurableObject(endpointObject(agentId), (_instance, state) => {
    state.storage.sql.exec(
      `UPDATE endpoint_socket SET connected_at = connected_at - ?, deadline = deadline - ?, ping_sent_at = ping_sent_at - ?`,
      ms,
      ms,
      ms,
    );
  });
}

describe("the endpoint's alarm", () => {
  it("pings each ready socket about once a minute and records the answer", async () => {
    const { token } = okBody(await restIssueEndpoint("life-1"));
    const peer = await connectPeer(token);
    await untilReady("life-1");
    await age("life-1", 61_000);
    expect(await runDurableObjectAlarm(endpointObject("life-1"))).toBe(true);
    const ping = await untilSent(peer, "ping");
    expect(typeof ping.id).toBe("number");
    const view = await pollUntil(
      async () => okBody(await restGetEndpoint("life-1")),
      (v) => v.connections[0]?.last_ping_answer_at !== null,
      "the ping's answer",
    );
    expect(view.connections).toHaveLength(1);
  }, 20_000);

  it("closes a socket whose ping goes unanswered with 4002, and its tools go", async () => {
    const { token } = okBody(await restIssueEndpoint("life-2"));
    const peer = await connectPeer(token, { ignorePings: true });
    await untilReady("life-2");
    await age("life-2", 61_000);
    await runDurableObjectAlarm(endpointObject("life-2"));
    await untilSent(peer, "ping");
    await age("life-2", 31_000);
    await runDurableObjectAlarm(endpointObject("life-2"));
    expect(await peer.closed).toMatchObject({ code: 4002 });
    expect(okBody(await restGetEndpoint("life-2")).connections).toEqual([]);
  });

  it("closes a socket whose handshake is not done in 30 s with 4000", async () => {
    const { token } = okBody(await restIssueEndpoint("life-3"));
    const peer = await connectPeer(token, { silent: true });
    await untilSent(peer, "initialize");
    expect(okBody(await restGetEndpoint("life-3")).connections[0]).toMatchObject({
      phase: "initializing",
      label: "connection-1",
    });
    await age("life-3", 31_000);
    await runDurableObjectAlarm(endpointObject("life-3"));
    expect(await peer.closed).toMatchObject({ code: 4000 });
  });
});

describe("the endpoint's limits", () => {
  it("closes a socket that sends a frame over the limit with 1009", async () => {
    const { token } = okBody(await restIssueEndpoint("limit-1"));
    const peer = await connectPeer(token);
    await untilReady("limit-1");
    peer.print("x".repeat(MAX_ENDPOINT_FRAME_BYTES + 1));
    expect(await peer.closed).toMatchObject({ code: 1009 });
  });

  it("refuses one socket more than the limit with 429, evicting none", async () => {
    const { token } = okBody(await restIssueEndpoint("limit-2"));
    const peers = [];
    for (let i = 0; i < MAX_ENDPOINT_SOCKETS; i++) peers.push(await connectPeer(token, { name: `server-${i}` }));
    await untilReady("limit-2", MAX_ENDPOINT_SOCKETS);
    const refused = await requestEndpointSocket(token);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: "endpoint_limit_reached" } });
    expect(okBody(await restGetEndpoint("limit-2")).connections).toHaveLength(MAX_ENDPOINT_SOCKETS);
  });

  it("offers none of a server's tools when they would take the endpoint over its tool limit, and says why", async () => {
    const { token } = okBody(await restIssueEndpoint("limit-3"));
    await connectPeer(token, { name: "small" });
    const many = Array.from({ length: MAX_ENDPOINT_TOOLS }, (_, i) => ({ ...echoTool, name: `t${i}` }));
    await connectPeer(token, { name: "big", tools: many, pageSize: 50 });
    const view = await untilReady("limit-3", 2);
    const big = view.connections.find((c) => c.label === "big");
    expect(big?.tool_count).toBe(0);
    expect(big?.error).toContain(`at most ${MAX_ENDPOINT_TOOLS}`);
    await restBind("ep-limit-3", { agent_id: "limit-3" });
    const listing = okBody(await restListTools("ep-limit-3"));
    expect(listing.sources.find((s) => s.source === "endpoint:big")).toMatchObject({ status: "unavailable", tool_count: 0 });
    expect(listing.tools.filter((t) => t.source === "endpoint").map((t) => t.name)).toEqual(["echo"]);
  });

  it("offers none of a server's tools when its list is over the size limit, and says why", async () => {
    const { token } = okBody(await restIssueEndpoint("limit-4"));
    await connectPeer(token, { name: "small" });
    // 40 tools of 16 KiB descriptions: 640 KiB, past the limit on the second page of 20.
    const wordy = Array.from({ length: 40 }, (_, i) => ({ ...echoTool, name: `w${i}`, description: "x".repeat(16 * 1024) }));
    await connectPeer(token, { name: "wordy", tools: wordy, pageSize: 20 });
    const view = await untilReady("limit-4", 2);
    const refused = view.connections.find((c) => c.label === "wordy");
    expect(refused?.tool_count).toBe(0);
    expect(refused?.error).toContain(`over ${MAX_ENDPOINT_TOOL_LIST_BYTES / 1024} KiB`);
    expect(view.connections.find((c) => c.label === "small")?.tool_count).toBe(1);
  });
});

describe("eviction of the endpoint object", () => {
  it("keeps the connections, their tools and their handshake state", async () => {
    const { token } = okBody(await restIssueEndpoint("evict-1"));
    const peer = await connectPeer(token, { name: "calc" });
    await untilReady("evict-1");
    await restBind("ep-evict-1", { agent_id: "evict-1" });
    await evictDurableObject(endpointObject("evict-1"));
    expect(okBody(await restGetEndpoint("evict-1")).connections[0]).toMatchObject({
      label: "calc",
      phase: "ready",
      tool_count: 1,
    });
    expect(okBody(await restExecute("ep-evict-1", "echo", { text: "after eviction" }))).toMatchObject({
      result: "after eviction",
    });
    // The JSON-RPC ids carry on from storage: no id is used twice on the socket.
    const ids = peer.received.flatMap((m) => (m.id === undefined ? [] : [m.id]));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
