/**
 * @module test/rpc.test
 * mcp.MCPService over Connect (JSON and binary) and gRPC-Web: every rpc's happy path, answering what the
 * REST API answers for the same session.
 */
import { toJson } from "@bufbuild/protobuf";
import { ListValueSchema, timestampDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { ActionType, type ExecuteToolResponse, type Session, type SourceReport, type Tool } from "../src/gen/mcp/service_pb";
import { restBind, restExecute, restGetSession, restListServers, restListTools, restPostMessage } from "./api";
import { PROTOCOLS, rpcClient, rpcError } from "./rpc-client";

/** An RPC answer in the REST API's JSON shape, to compare the two APIs' answers. */
const asRest = {
  tool: (t: Tool) => ({
    name: t.name,
    description: t.description,
    input_schema: t.inputSchemaJson,
    source: t.source,
    original_name: t.originalName,
    ...(t.server ? { server: t.server } : {}),
    ...(t.title === undefined ? {} : { title: t.title }),
    ...(t.annotationsJson ? { annotations: t.annotationsJson } : {}),
    ...(t.outputSchemaJson ? { output_schema: t.outputSchemaJson } : {}),
    ...(t.iconsJson ? { icons: toJson(ListValueSchema, t.iconsJson) } : {}),
    ...(t.metaJson ? { meta: t.metaJson } : {}),
  }),
  source: (s: SourceReport) => ({
    source: s.source,
    kind: s.kind,
    status: s.status,
    tool_count: s.toolCount,
    ...(s.error ? { error: s.error } : {}),
  }),
  execution: (r: ExecuteToolResponse) => ({
    success: r.success,
    action: ActionType[r.action].toLowerCase(),
    result: r.resultJson === undefined ? undefined : toJson(ValueSchema, r.resultJson),
    response: r.response === "" ? null : r.response,
    ...(r.contentJson ? { content: toJson(ListValueSchema, r.contentJson) } : {}),
    ...(r.error
      ? {
          error: {
            code: r.error.code,
            message: r.error.message,
            ...(r.error.details ? { details: toJson(ValueSchema, r.error.details) } : {}),
          },
        }
      : {}),
  }),
  session: (s: Session | undefined) => ({
    session_id: s?.sessionId,
    device_id: s?.deviceId,
    client_id: s?.clientId,
    vision_url: s?.visionUrl === "" ? null : s?.visionUrl,
    has_token: s?.hasToken,
    bound_at: s?.boundAt && timestampDate(s.boundAt).toISOString(),
    last_used_at: s?.lastUsedAt && timestampDate(s.lastUsedAt).toISOString(),
    expires_at: s?.expiresAt && timestampDate(s.expiresAt).toISOString(),
    ...(s?.tools ? { tools: { count: s.tools.count, sources: s.tools.sources.map(asRest.source) } } : {}),
    device: {
      relay: s?.device?.relay,
      relay_opened_at: s?.device?.relayOpenedAt ? timestampDate(s.device.relayOpenedAt).toISOString() : null,
      tools_status: s?.device?.toolsStatus,
      last_notification: s?.device?.lastNotification
        ? {
            method: s.device.lastNotification.method,
            params: s.device.lastNotification.params ?? null,
            received_at:
              s.device.lastNotification.receivedAt && timestampDate(s.device.lastNotification.receivedAt).toISOString(),
          }
        : null,
    },
  }),
};

describe.each(PROTOCOLS)("MCPService over %s", (protocol) => {
  const client = rpcClient(protocol);
  const id = (name: string) => `${name}-${protocol}`;

  it("BindSession binds, then updates the binding, like REST", async () => {
    const sessionId = id("bind");
    const first = await client.bindSession({
      sessionId,
      deviceId: "AA:BB:CC:DD:EE:FF",
      clientId: "client-1",
      visionUrl: "https://gw.example.com/api/vision",
      token: "s3cret",
    });
    expect(first).toMatchObject({ success: true, created: true, message: "session bound" });
    expect(first.session).toMatchObject({
      sessionId,
      deviceId: "AA:BB:CC:DD:EE:FF",
      clientId: "client-1",
      visionUrl: "https://gw.example.com/api/vision",
      hasToken: true,
    });
    // Binding does not wait on the tool sources; GetSession lists them.
    expect(first.session?.tools).toBeUndefined();
    expect((await client.getSession({ sessionId })).session?.tools?.count).toBeGreaterThan(0);

    // Empty optional fields are "not given": the binding drops its vision URL and token.
    const again = await client.bindSession({ sessionId, deviceId: "AA:BB:CC:DD:EE:FF", clientId: "client-2" });
    expect(again).toMatchObject({ success: true, created: false, message: "session binding updated" });
    expect(again.session).toMatchObject({ clientId: "client-2", visionUrl: "", hasToken: false });

    // Bind's answer is the session REST shows, less the tools.
    const { tools: _tools, ...rest } = (await restGetSession(sessionId)).body;
    expect(asRest.session(again.session)).toEqual(rest);
  }, 20_000); // the first listing in the file connects to every configured server, which a loaded machine makes slow

  it("GetSession answers what REST's GET session answers", async () => {
    const sessionId = id("get-session");
    await restBind(sessionId, { vision_url: "https://gw.example.com/vision" });
    const res = await client.getSession({ sessionId });
    const rest = await restGetSession(sessionId);
    expect(rest.status).toBe(200);
    expect(asRest.session(res.session)).toEqual(rest.body);
  });

  it("GetTools lists the same tools and sources as REST, schemas in both forms", async () => {
    const sessionId = id("tools");
    await restBind(sessionId);
    const res = await client.getTools({ sessionId });
    const rest = await restListTools(sessionId);
    expect(res.tools.map(asRest.tool)).toEqual(rest.body.tools);
    expect(res.sources.map(asRest.source)).toEqual(rest.body.sources);

    const exit = res.tools.find((t) => t.name === "local_exit");
    expect(exit?.inputSchemaJson).toMatchObject({ type: "object", required: ["say_goodbye"] });
    // The original design's map: strings as they are, everything else as JSON text.
    expect(exit?.inputSchema.type).toBe("object");
    expect(JSON.parse(exit?.inputSchema.required ?? "null")).toEqual(["say_goodbye"]);
    expect(JSON.parse(exit?.inputSchema.properties ?? "null")).toEqual(exit?.inputSchemaJson?.properties);
  });

  it("ExecuteTool takes JSON arguments and answers like REST", async () => {
    const sessionId = id("execute-json");
    await restBind(sessionId);
    const args = { role: "英语老师" };
    const res = await client.executeTool({ sessionId, toolName: "local_change_role", argumentsJson: args });
    const rest = await restExecute(sessionId, "local_change_role", args);
    expect(res.action).toBe(ActionType.CALL_HANDLER);
    expect(asRest.execution(res)).toEqual(rest.body);
    // The original design's string result is the JSON text of the value.
    expect(JSON.parse(res.result)).toEqual(rest.body.result);
  });

  it("ExecuteTool takes the original design's string arguments", async () => {
    const sessionId = id("execute-map");
    await restBind(sessionId, { device_id: "AA:BB:CC:DD:EE:01" });
    const res = await client.executeTool({
      sessionId,
      toolName: "local_play_music",
      arguments: { song_name: "稻香" },
      deviceId: "AA:BB:CC:DD:EE:01",
    });
    expect(res).toMatchObject({ success: true, action: ActionType.CALL_HANDLER, response: "" });
    expect(toJson(ValueSchema, res.resultJson!)).toEqual({ func_name: "mcp_handler_play_music", args: "稻香" });

    // Every value of the map is a string: each is brought to the type the tool's schema declares.
    const typed = await client.executeTool({ sessionId, toolName: "local_switch_agent", arguments: { agent_id: "3" } });
    expect(toJson(ValueSchema, typed.resultJson!)).toEqual({ func_name: "mcp_handler_switch_agent", args: { agent_id: 3 } });
  });

  it("ExecuteTool answers text for the LLM as both result and result_json", async () => {
    const sessionId = id("execute-text");
    await restBind(sessionId);
    const res = await client.executeTool({ sessionId, toolName: "local_get_time" });
    expect(res.action).toBe(ActionType.REQ_LLM);
    expect(res.result).toMatch(/^当前时间是 \d{4}-\d{2}-\d{2} /);
    expect(toJson(ValueSchema, res.resultJson!)).toBe(res.result);
  });

  it("ExecuteTool answers a failed execution with success false and the error, like REST", async () => {
    const sessionId = id("execute-failed");
    await restBind(sessionId);
    const res = await client.executeTool({ sessionId, toolName: "local_exit", argumentsJson: {} });
    const rest = await restExecute(sessionId, "local_exit", {});
    expect(res).toMatchObject({ success: false, action: ActionType.ERROR, result: "", response: "" });
    expect(res.error?.code).toBe("invalid_arguments");
    expect(asRest.execution(res)).toEqual(rest.body);
  });

  it("ExecuteTool of an external tool keeps its non-text content, like REST", async () => {
    const sessionId = id("external-image");
    await restBind(sessionId);
    const tool = "mcp_everything_get-tiny-image";
    const rpc = await client.executeTool({ sessionId, toolName: tool });
    const rest = await restExecute(sessionId, tool);
    expect(rest.body.content).toEqual(expect.arrayContaining([expect.objectContaining({ type: "image" })]));
    expect(asRest.execution(rpc)).toEqual(rest.body);
  });

  it("ListServers answers what REST's /servers answers", async () => {
    const sessionId = id("servers");
    await restBind(sessionId);
    await client.executeTool({ sessionId, toolName: "mcp_everything_echo", argumentsJson: { message: "hi" } });
    const rpc = await client.listServers({ sessionId });
    const rest = await restListServers(sessionId);
    const iso = (t: Parameters<typeof timestampDate>[0] | undefined) => (t ? timestampDate(t).toISOString() : null);
    const asRestServers = rpc.servers.map((s) => ({
      name: s.name,
      status: s.status,
      transport: s.transport || null,
      transport_in_use: s.transportInUse || null,
      url: s.url || null,
      tool_count: s.toolCount ?? null,
      tools_fetched_at: iso(s.toolsFetchedAt),
      last_error: s.lastError || null,
      last_latency_ms: s.lastLatencyMs ?? null,
      breaker: s.breaker
        ? { state: s.breaker.state, consecutive_failures: s.breaker.consecutiveFailures, retry_at: iso(s.breaker.retryAt) }
        : null,
    }));
    // Latency moves with every call; everything else must match.
    const withoutLatency = (list: Array<Record<string, unknown>>) => list.map(({ last_latency_ms: _l, ...rest }) => rest);
    expect(withoutLatency(asRestServers)).toEqual(withoutLatency(rest.body.servers));
    expect(rpc.servers.find((s) => s.name === "everything")).toMatchObject({ status: "ready" });
    await rpcError(client.listServers({ sessionId: id("servers-unbound") }), Code.NotFound, "session_not_found");
  });

  it("UnbindSession forgets the session", async () => {
    const sessionId = id("unbind");
    await restBind(sessionId);
    expect(await client.unbindSession({ sessionId })).toMatchObject({ success: true, message: "session unbound" });
    await rpcError(client.getSession({ sessionId }), Code.NotFound, "session_not_found");
    expect((await restGetSession(sessionId)).status).toBe(404);
  });

  it("HandleXiaoZhiMessage takes a device frame and answers what REST's /messages answers", async () => {
    const sessionId = id("device-frame");
    await restBind(sessionId);
    const notification = {
      type: "mcp",
      payload: { jsonrpc: "2.0", method: "notifications/state_changed", params: { newState: "listening" } },
    };
    const viaRpc = await client.handleXiaoZhiMessage({ sessionId, messageJson: notification });
    const viaRest = await restPostMessage(sessionId, notification);
    expect(viaRpc).toMatchObject({ success: true, result: "notification notifications/state_changed recorded" });
    expect({ success: viaRpc.success, result: viaRpc.result }).toEqual(viaRest.body);
    expect(viaRpc.resultJson && toJson(ValueSchema, viaRpc.resultJson)).toBe(viaRpc.result);
    const session = await restGetSession(sessionId);
    expect(session.body.device.last_notification).toMatchObject({ params: { newState: "listening" } });
    expect(asRest.session((await client.getSession({ sessionId })).session)).toEqual(session.body);

    // A reply nobody waits for is not handled, and says why.
    const late = { type: "mcp", payload: { jsonrpc: "2.0", id: 4242, result: { content: [] } } };
    const lateRpc = await client.handleXiaoZhiMessage({ sessionId, messageJson: late });
    expect(lateRpc.success).toBe(false);
    expect(lateRpc.result).toBe((await restPostMessage(sessionId, late)).body.result);
  });

  it("HandleXiaoZhiMessage rejects a frame REST rejects, with the same field", async () => {
    const sessionId = id("device-frame-bad");
    await restBind(sessionId);
    const frame = { type: "mcp", payload: { jsonrpc: "2.0", id: "7", result: {} } };
    const err = await rpcError(client.handleXiaoZhiMessage({ sessionId, messageJson: frame }), Code.InvalidArgument);
    const rest = await restPostMessage(sessionId, frame);
    expect(rest.status).toBe(400);
    expect(err.rawMessage).toContain("payload.id");
    expect(rest.body.error?.message).toContain("payload.id");
    await rpcError(
      client.handleXiaoZhiMessage({ sessionId: id("unbound-frame"), messageJson: notificationFrame() }),
      Code.NotFound,
    );
  });
});

function notificationFrame() {
  return { type: "mcp", payload: { jsonrpc: "2.0", method: "notifications/x" } };
}
