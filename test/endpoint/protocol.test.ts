/**
 * @module test/endpoint/protocol.test
 * An agent's MCP endpoint as a pipe program sees it, against the tool side of test/endpoint-peer.ts: the
 * handshake the service starts (initialize id 0, initialized, tools/list paged), tolerant framing (newlines,
 * binary frames, stray lines, id-less replies), answers to the tool side's own requests, and the token's
 * refusals at the handshake.
 */
import { describe, expect, it } from "vitest";
import { okBody, restGetEndpoint, restIssueEndpoint, restRevokeEndpoint } from "../api";
import { connectPeer, echoTool, type PeerTool, requestEndpointSocket, untilReady, untilSent } from "../endpoint-peer";
import { TENANT_B_KEY } from "../keys";
import { pollUntil } from "../poll";

const manyTools = (n: number): PeerTool[] => Array.from({ length: n }, (_, i) => ({ ...echoTool, name: `tool_${i}` }));

describe("the endpoint's handshake", () => {
  it("initializes every new connection with id 0, then initialized and tools/list following nextCursor", async () => {
    const { token } = okBody(await restIssueEndpoint("proto-1"));
    const peer = await connectPeer(token, { name: "calculator", version: "2.1.0", tools: manyTools(5), pageSize: 2 });
    const view = await untilReady("proto-1");
    expect(view.connections[0]).toMatchObject({
      label: "calculator",
      server_name: "calculator",
      server_version: "2.1.0",
      tool_count: 5,
      error: null,
    });
    const [initialize, initialized, ...lists] = peer.received;
    expect(initialize).toMatchObject({ id: 0, method: "initialize", params: { protocolVersion: "2024-11-05" } });
    expect(initialized).toMatchObject({ method: "notifications/initialized" });
    expect(initialized?.id).toBeUndefined();
    expect(lists.map((m) => m.params?.cursor)).toEqual([undefined, "2", "4"]);
    // One compact single-line JSON message per frame.
    for (const frame of peer.frames) expect(frame).not.toMatch(/\n/);
    // The first test of the file pays for the Worker's first start: room for it on a loaded machine.
  }, 20_000);

  it("takes binary frames, trailing newlines, stray non-JSON lines and an id-less reply to initialized", async () => {
    const { token } = okBody(await restIssueEndpoint("proto-2"));
    const peer = await connectPeer(token, { binary: true, strayLines: true, idlessInitializedReply: true });
    await untilReady("proto-2");
    peer.print("not json at all");
    peer.print('{"jsonrpc":"2.0","result":{}}');
    peer.print("[1,2,3]");
    expect((await untilReady("proto-2")).connections[0]?.tool_count).toBe(1);
  });

  it("answers the tool side's requests: ping {} (id 0 included), roots/list empty, anything else method not found", async () => {
    const { token } = okBody(await restIssueEndpoint("proto-3"));
    const peer = await connectPeer(token);
    await untilReady("proto-3");
    const answers: unknown[] = [];
    peer.ws.addEventListener("message", (event) => {
      answers.push(JSON.parse(String(event.data)));
    });
    peer.print('{"jsonrpc":"2.0","id":0,"method":"ping"}');
    peer.print('{"jsonrpc":"2.0","id":"r-1","method":"roots/list"}');
    peer.print('{"jsonrpc":"2.0","id":7,"method":"sampling/createMessage","params":{}}');
    await pollUntil(
      () => answers.length,
      (n) => n === 3,
      "three answers",
    );
    expect(answers).toEqual([
      { jsonrpc: "2.0", id: 0, result: {} },
      { jsonrpc: "2.0", id: "r-1", result: { roots: [] } },
      { jsonrpc: "2.0", id: 7, error: { code: -32601, message: "method not found: sampling/createMessage" } },
    ]);
  });

  it("closes with 4001 when initialize answers an error", async () => {
    const { token } = okBody(await restIssueEndpoint("proto-4"));
    const peer = await connectPeer(token, { silent: true });
    const initialize = await untilSent(peer, "initialize");
    peer.print(JSON.stringify({ jsonrpc: "2.0", id: initialize.id, error: { code: -32603, message: "boom" } }));
    expect(await peer.closed).toMatchObject({ code: 4001, reason: "initialize failed: boom" });
    expect(okBody(await restGetEndpoint("proto-4")).connections).toEqual([]);
  });

  it("re-lists on notifications/tools/list_changed, and ignores one before its first list (xiaozhi-mcphub)", async () => {
    const { token } = okBody(await restIssueEndpoint("proto-5"));
    const peer = await connectPeer(token);
    peer.print('{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}');
    await untilReady("proto-5");
    expect(peer.received.filter((m) => m.method === "tools/list")).toHaveLength(1);
    peer.setTools([echoTool, { ...echoTool, name: "shout" }]);
    peer.print('{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}');
    await pollUntil(
      async () => okBody(await restGetEndpoint("proto-5")).connections[0]?.tool_count,
      (n) => n === 2,
      "the new list",
    );
  });
});

describe("the endpoint's token", () => {
  it("refuses a malformed, forged, wrong, revoked or rotated token with 401 at the handshake", async () => {
    const first = okBody(await restIssueEndpoint("token-1"));
    const unauthorized = async (token: string) => {
      const res = await requestEndpointSocket(token);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
    };
    await unauthorized("");
    await unauthorized("not-hex");
    await unauthorized("ab".repeat(64));
    await unauthorized(first.token.slice(0, 64) + "0".repeat(64));
    expect(first.token).toMatch(/^[0-9a-f]{128}$/);
    expect(first.url).toBe(`ws://service.test/mcp_endpoint/mcp/?token=${first.token}`);

    const peer = await connectPeer(first.token);
    await untilReady("token-1");
    const second = okBody(await restIssueEndpoint("token-1"));
    expect(second.rotated).toBe(true);
    expect(await peer.closed).toMatchObject({ code: 4003 });
    await unauthorized(first.token);
    await connectPeer(second.token);
    await untilReady("token-1");

    expect(okBody(await restRevokeEndpoint("token-1"))).toMatchObject({ success: true, closed_connections: 1 });
    await unauthorized(second.token);
    expect((await restGetEndpoint("token-1")).body).toMatchObject({ error: { code: "endpoint_not_found" } });
    expect((await restRevokeEndpoint("token-1")).status).toBe(404);
  });

  it("answers 426 without Upgrade, and keeps each tenant's agents apart", async () => {
    const { token } = okBody(await restIssueEndpoint("token-2"));
    expect((await requestEndpointSocket(token, {})).status).toBe(426);
    expect((await restGetEndpoint("token-2", { key: TENANT_B_KEY })).status).toBe(404);
    expect((await restRevokeEndpoint("token-2", { key: TENANT_B_KEY })).status).toBe(404);
    expect(okBody(await restGetEndpoint("token-2")).agent_id).toBe("token-2");
  });

  it("refuses an agent id outside the rule with 400 naming the field", async () => {
    const res = await restIssueEndpoint("bad%20id");
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toContain("agentId");
  });
});
