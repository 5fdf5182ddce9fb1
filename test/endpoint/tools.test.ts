/**
 * @module test/endpoint/tools.test
 * An agent's endpoint tools in the sessions bound with it: listed with collision-free names and their original
 * ones, executed over REST and Connect on the socket that offered them, several sockets at once without
 * eviction, a slow tool timing out with its late reply dropped and the socket kept, and a closed socket's tools
 * gone; the endpoint's rpcs.
 */
import { Code } from "@connectrpc/connect";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { endpointLink } from "../../durable-objects/session-sources";
import { EndpointToolSource } from "../../src/tools/endpoint/source";
import { okBody, restBind, restExecute, restGetSession, restIssueEndpoint, restListTools, resultText } from "../api";
import { connectPeer, echoTool, type PeerTool, untilReady, untilSent } from "../endpoint-peer";
import { TEST_API_KEYS, TENANT_A_KEY } from "../keys";
import { pollUntil } from "../poll";
import { rpcClient, rpcError } from "../rpc-client";

const add: PeerTool = {
  name: "add",
  description: "Adds a and b.",
  inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"] },
};

const adder = (offset: number): PeerTool => ({
  ...add,
  run: (args) => ({ content: [{ type: "text", text: String(Number(args.a) + Number(args.b) + offset) }] }),
});

const endpointTools = async (sessionId: string) =>
  okBody(await restListTools(sessionId)).tools.filter((t) => t.source === "endpoint");

describe("endpoint tools in a session", () => {
  it("are listed with the original name kept and executed over REST and Connect", async () => {
    const { token } = okBody(await restIssueEndpoint("tools-1"));
    await connectPeer(token, { name: "calc", tools: [echoTool, { ...echoTool, name: "weird.name/x" }] });
    await untilReady("tools-1");
    await restBind("ep-tools-1", { agent_id: "tools-1" });
    const tools = await endpointTools("ep-tools-1");
    expect(tools.map((t) => [t.name, t.original_name, t.server])).toEqual([
      ["echo", "echo", "calc"],
      ["weird_name_x", "weird.name/x", "calc"],
    ]);
    const rest = okBody(await restExecute("ep-tools-1", "echo", { text: "你好" }));
    expect(rest).toMatchObject({ success: true, action: "req_llm", result: "你好" });
    const rpc = await rpcClient("connect-json").executeTool({
      sessionId: "ep-tools-1",
      toolName: "echo",
      argumentsJson: { text: "hi" },
    });
    expect(rpc).toMatchObject({ success: true, result: "hi" });
    expect(okBody(await restGetSession("ep-tools-1")).agent_id).toBe("tools-1");
    // Arguments are checked against the tool's schema before the tool side sees them.
    expect(okBody(await restExecute("ep-tools-1", "echo", {}))).toMatchObject({ error: { code: "invalid_arguments" } });
  }, 20_000);

  it("keeps two servers connected at once and routes each call to the socket that offered the tool", async () => {
    const { token } = okBody(await restIssueEndpoint("tools-2"));
    const first = await connectPeer(token, { name: "calc", tools: [adder(0), echoTool] });
    const second = await connectPeer(token, { name: "calc", tools: [adder(1000)] });
    await untilReady("tools-2", 2);
    await restBind("ep-tools-2", { agent_id: "tools-2" });
    const tools = await endpointTools("ep-tools-2");
    expect(tools.map((t) => [t.name, t.original_name, t.server])).toEqual([
      ["calc_add", "add", "calc"],
      ["echo", "echo", "calc"],
      ["calc_2_add", "add", "calc_2"],
    ]);
    expect(resultText(okBody(await restExecute("ep-tools-2", "calc_add", { a: 1, b: 2 })))).toBe("3");
    expect(resultText(okBody(await restExecute("ep-tools-2", "calc_2_add", { a: 1, b: 2 })))).toBe("1003");
    expect(first.received.filter((m) => m.method === "tools/call")).toHaveLength(1);
    expect(second.received.filter((m) => m.method === "tools/call")).toHaveLength(1);

    // One leaves: its tools go, the other's are renamed back; nothing else is closed.
    first.ws.close(1000, "bye");
    await untilReady("tools-2", 1);
    expect((await endpointTools("ep-tools-2")).map((t) => t.name)).toEqual(["add"]);
    expect(resultText(okBody(await restExecute("ep-tools-2", "add", { a: 1, b: 1 })))).toBe("1002");
  });

  it("times a slow tool out, drops its late reply and keeps the socket", async () => {
    const { token } = okBody(await restIssueEndpoint("tools-3"));
    const slow: PeerTool = { ...echoTool, name: "slow", delayMs: 600 };
    const peer = await connectPeer(token, { tools: [echoTool, slow] });
    await untilReady("tools-3");
    await restBind("ep-tools-3", { agent_id: "tools-3" });
    const timedOut = okBody(await restExecute("ep-tools-3", "slow", { text: "late" }, { timeoutMs: 200 }));
    expect(timedOut).toMatchObject({ success: false, error: { code: "upstream_timeout" } });
    const cancelled = await untilSent(peer, "notifications/cancelled");
    expect(cancelled.params).toMatchObject({ requestId: peer.received.find((m) => m.method === "tools/call")?.id });
    await scheduler.wait(700);
    expect(okBody(await restExecute("ep-tools-3", "echo", { text: "still here" }))).toMatchObject({
      success: true,
      result: "still here",
    });
  });

  it("answers a tool side's error as tool_error, and a session's listing says when nothing is connected", async () => {
    const { token } = okBody(await restIssueEndpoint("tools-4"));
    const failing: PeerTool = {
      ...echoTool,
      name: "fails",
      run: () => ({ isError: true, content: [{ type: "text", text: "no such city" }] }),
    };
    const peer = await connectPeer(token, { tools: [failing] });
    await untilReady("tools-4");
    await restBind("ep-tools-4", { agent_id: "tools-4" });
    expect(okBody(await restExecute("ep-tools-4", "fails", { text: "x" }))).toMatchObject({
      success: false,
      error: { code: "tool_error", message: "no such city" },
    });
    peer.ws.close(1000, "bye");
    const listing = await pollUntil(
      async () => okBody(await restListTools("ep-tools-4")),
      (body) => !body.tools.some((t) => t.source === "endpoint"),
      "the endpoint tools to go",
    );
    expect(listing.sources.find((s) => s.kind === "endpoint")).toMatchObject({
      status: "unavailable",
      error: "no MCP server is connected to agent tools-4's endpoint",
    });
    expect((await restExecute("ep-tools-4", "fails", { text: "x" })).body).toMatchObject({ error: { code: "tool_not_found" } });
  });

  it("lists nothing for an agent without an endpoint but says so, and nothing at all without an agent", async () => {
    await restBind("ep-tools-5", { agent_id: "nobody" });
    const listing = okBody(await restListTools("ep-tools-5"));
    expect(listing.sources.find((s) => s.kind === "endpoint")).toMatchObject({ status: "unavailable", tool_count: 0 });
    await restBind("ep-tools-6");
    expect(okBody(await restListTools("ep-tools-6")).sources.some((s) => s.kind === "endpoint")).toBe(false);
  });
});

describe("endpoints over Connect", () => {
  it("issue, show and revoke an endpoint, and bind a session with its agent", async () => {
    const client = rpcClient("connect-binary");
    const issued = await client.issueAgentEndpoint({ agentId: "rpc-1" });
    expect(issued).toMatchObject({ agentId: "rpc-1", rotated: false });
    expect(issued.url).toBe(`ws://service.test/mcp_endpoint/mcp/?token=${issued.token}`);
    const peer = await connectPeer(issued.token, { name: "calc" });
    await untilReady("rpc-1");
    const shown = await client.getAgentEndpoint({ agentId: "rpc-1" });
    expect(shown.connections).toMatchObject([{ label: "calc", phase: "ready", serverName: "calc", toolCount: 1 }]);
    const bound = await client.bindSession({
      sessionId: "ep-rpc-1",
      deviceId: "AA:BB:CC:DD:EE:FF",
      clientId: "c1",
      agentId: "rpc-1",
    });
    expect(bound.session?.agentId).toBe("rpc-1");
    const tools = await client.getTools({ sessionId: "ep-rpc-1" });
    expect(tools.tools.find((t) => t.source === "endpoint")).toMatchObject({
      name: "echo",
      originalName: "echo",
      server: "calc",
    });
    expect(await client.revokeAgentEndpoint({ agentId: "rpc-1" })).toMatchObject({ success: true, closedConnections: 1 });
    expect(await peer.closed).toMatchObject({ code: 4003 });
    await rpcError(client.getAgentEndpoint({ agentId: "rpc-1" }), Code.NotFound, "endpoint_not_found");
    await rpcError(client.issueAgentEndpoint({ agentId: "" }), Code.InvalidArgument, "invalid_request");
  });
});

describe("changes of an endpoint's tools", () => {
  it("reach the session's one hook when a listing sees a server come or go", async () => {
    const { token } = okBody(await restIssueEndpoint("changes-1"));
    const changes: number[] = [];
    const link = endpointLink(env, TEST_API_KEYS[TENANT_A_KEY], "changes-1");
    const source = new EndpointToolSource({
      agent: () => ({ agentId: "changes-1", link }),
      onToolsChanged: (v) => changes.push(v),
    });
    await source.listTools();
    expect(changes).toEqual([]);
    const peer = await connectPeer(token);
    await untilReady("changes-1");
    await source.listTools();
    expect(changes).toHaveLength(1);
    await source.listTools();
    expect(changes).toHaveLength(1);
    peer.ws.close(1000, "bye");
    await untilReady("changes-1", 0);
    await source.listTools();
    expect(changes).toHaveLength(2);
  });
});
