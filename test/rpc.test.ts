/**
 * mcp.MCPService over Connect (JSON and binary) and gRPC-Web: every rpc's happy path, answering what the
 * REST API answers for the same session.
 */
import { toJson } from "@bufbuild/protobuf";
import { timestampDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  ActionType,
  type ExecuteToolResponse,
  type Session,
  type SourceReport,
  type Tool,
} from "../src/gen/mcp/service_pb";
import { api, bindSession } from "./helpers";
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
    tools: { count: s?.tools?.count, sources: s?.tools?.sources.map(asRest.source) },
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
    expect(first.session?.tools?.count).toBeGreaterThan(0);

    // Empty optional fields are "not given": the binding drops its vision URL and token.
    const again = await client.bindSession({ sessionId, deviceId: "AA:BB:CC:DD:EE:FF", clientId: "client-2" });
    expect(again).toMatchObject({ success: true, created: false, message: "session binding updated" });
    expect(again.session).toMatchObject({ clientId: "client-2", visionUrl: "", hasToken: false });

    const rest = await api(`/api/v1/mcp/sessions/${sessionId}`);
    expect(asRest.session(again.session)).toEqual(rest.body);
  });

  it("GetSession answers what REST's GET session answers", async () => {
    const sessionId = id("get-session");
    await bindSession(sessionId, { vision_url: "https://gw.example.com/vision" });
    const res = await client.getSession({ sessionId });
    const rest = await api(`/api/v1/mcp/sessions/${sessionId}`);
    expect(rest.status).toBe(200);
    expect(asRest.session(res.session)).toEqual(rest.body);
  });

  it("GetTools lists the same tools and sources as REST, schemas in both forms", async () => {
    const sessionId = id("tools");
    await bindSession(sessionId);
    const res = await client.getTools({ sessionId });
    const rest = await api(`/api/v1/mcp/tools?session_id=${sessionId}`);
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
    await bindSession(sessionId);
    const args = { role: "英语老师" };
    const res = await client.executeTool({ sessionId, toolName: "local_change_role", argumentsJson: args });
    const rest = await api("/api/v1/mcp/tools/local_change_role/execute", { body: { session_id: sessionId, arguments: args } });
    expect(res.action).toBe(ActionType.CALL_HANDLER);
    expect(asRest.execution(res)).toEqual(rest.body);
    // The original design's string result is the JSON text of the value.
    expect(JSON.parse(res.result)).toEqual(rest.body.result);
  });

  it("ExecuteTool takes the original design's string arguments", async () => {
    const sessionId = id("execute-map");
    await bindSession(sessionId, { device_id: "AA:BB:CC:DD:EE:01" });
    const res = await client.executeTool({
      sessionId,
      toolName: "local_play_music",
      arguments: { song_name: "稻香" },
      deviceId: "AA:BB:CC:DD:EE:01",
    });
    expect(res).toMatchObject({ success: true, action: ActionType.CALL_HANDLER, response: "" });
    expect(toJson(ValueSchema, res.resultJson!)).toEqual({ func_name: "mcp_handler_play_music", args: "稻香" });
  });

  it("ExecuteTool answers text for the LLM as both result and result_json", async () => {
    const sessionId = id("execute-text");
    await bindSession(sessionId);
    const res = await client.executeTool({ sessionId, toolName: "local_get_time" });
    expect(res.action).toBe(ActionType.REQ_LLM);
    expect(res.result).toMatch(/^当前时间是 \d{4}-\d{2}-\d{2} /);
    expect(toJson(ValueSchema, res.resultJson!)).toBe(res.result);
  });

  it("ExecuteTool answers a failed execution with success false and the error, like REST", async () => {
    const sessionId = id("execute-failed");
    await bindSession(sessionId);
    const res = await client.executeTool({ sessionId, toolName: "local_exit", argumentsJson: {} });
    const rest = await api("/api/v1/mcp/tools/local_exit/execute", { body: { session_id: sessionId, arguments: {} } });
    expect(res).toMatchObject({ success: false, action: ActionType.ERROR, result: "", response: "" });
    expect(res.error?.code).toBe("invalid_arguments");
    expect(asRest.execution(res)).toEqual(rest.body);
  });

  it("UnbindSession forgets the session", async () => {
    const sessionId = id("unbind");
    await bindSession(sessionId);
    expect(await client.unbindSession({ sessionId })).toMatchObject({ success: true, message: "session unbound" });
    await rpcError(client.getSession({ sessionId }), Code.NotFound, "session_not_found");
    expect((await api(`/api/v1/mcp/sessions/${sessionId}`)).status).toBe(404);
  });

  it("HandleXiaoZhiMessage is not implemented yet, and says so", async () => {
    const sessionId = id("device-frame");
    await bindSession(sessionId);
    const frame = { type: "mcp", payload: { jsonrpc: "2.0", id: 1, result: { tools: [] } } };
    const err = await rpcError(client.handleXiaoZhiMessage({ sessionId, messageJson: frame }), Code.Unimplemented);
    expect(err.rawMessage).toBe("HandleXiaoZhiMessage is not implemented yet: this service does not relay device frames");
  });
});
