/**
 * @module test/rpc-errors.test
 * mcp.MCPService's failures: each Connect code the service answers, with the REST API's message and error
 * code (in an `mcp.ErrorDetail`), over every protocol; deadlines; and how the RPC paths sit next to REST's
 * 404 and 405.
 */
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, type ConnectError } from "@connectrpc/connect";
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ErrorDetailSchema } from "../src/gen/mcp/service_pb";
import type { Env } from "../src/env";
import app from "../src/index";
import { type ErrorBody, restBind, restGetSession, restListTools, restRequest } from "./api";
import { TENANT_B_KEY } from "./keys";
import { type Protocol, PROTOCOLS, rpcClient, rpcError } from "./rpc-client";
import { sessionObject } from "./session-object";

/** A deadline `ms` from now, in the protocol's own header (and no deadline on the client's side). */
const deadline = (protocol: Protocol, ms: number): Record<string, string> =>
  protocol === "grpc-web" ? { "grpc-timeout": `${ms}m` } : { "connect-timeout-ms": String(ms) };

describe.each(PROTOCOLS)("MCPService errors over %s", (protocol) => {
  const client = rpcClient(protocol);
  const id = (name: string) => `${name}-${protocol}`;

  it("unauthenticated: no API key, or an unknown one, with REST's messages", async () => {
    const missing = await rpcError(
      rpcClient(protocol, { key: null }).getTools({ sessionId: "x" }),
      Code.Unauthenticated,
      "unauthorized",
    );
    expect(missing.rawMessage).toBe("missing API key: send `Authorization: Bearer <key>`");
    expect(missing.metadata.get("WWW-Authenticate")).toBe("Bearer");
    const unknown = await rpcError(
      rpcClient(protocol, { key: "not-a-key-at-all" }).getTools({ sessionId: "x" }),
      Code.Unauthenticated,
    );
    expect(unknown.rawMessage).toBe("invalid API key");
  });

  it("unavailable: no API keys configured, or an invalid service config", async () => {
    const withEnv = (overrides: Partial<Env>) => async (request: Request) => app.fetch(request, { ...env, ...overrides });
    const noKeys = rpcClient(protocol, { fetch: withEnv({ API_KEYS: undefined }) });
    const err = await rpcError(noKeys.getTools({ sessionId: "x" }), Code.Unavailable, "not_configured");
    expect(err.rawMessage).toMatch(/^no API keys are configured/);
    const badConfig = rpcClient(protocol, { fetch: withEnv({ SESSION_IDLE_TTL_SECONDS: "soon" }) });
    await rpcError(badConfig.getTools({ sessionId: "x" }), Code.Unavailable, "config_invalid");
  });

  it("invalid_argument: the fields and rules REST names, from the same schemas", async () => {
    const err = await rpcError(client.getTools({ sessionId: "no spaces allowed" }), Code.InvalidArgument, "invalid_request");
    const rest = await restListTools("no%20spaces%20allowed");
    expect(rest.status).toBe(400);
    expect(err.rawMessage).toBe(rest.body.error?.message.replace("invalid query parameters", "invalid request"));
    expect(detailsOf(err)).toEqual(rest.body.error?.details);

    const bind = { device_id: "AA:BB:CC:DD:EE:FF", client_id: "", vision_url: "ftp://gw.example.com/vision" };
    const bindErr = await rpcError(
      client.bindSession({
        sessionId: id("bad-bind"),
        deviceId: bind.device_id,
        clientId: bind.client_id,
        visionUrl: bind.vision_url,
      }),
      Code.InvalidArgument,
    );
    const restAnswer = await restRequest<ErrorBody>(`/api/v1/mcp/sessions/${id("bad-bind")}/bind`, { body: bind });
    expect(detailsOf(bindErr)).toEqual(restAnswer.body.error.details);
    expect(detailsOf(bindErr)).toEqual([
      expect.objectContaining({ field: "client_id" }),
      expect.objectContaining({ field: "vision_url" }),
    ]);
    // Nothing was bound.
    expect((await restGetSession(id("bad-bind"))).status).toBe(404);
  });

  it("invalid_argument: arguments and arguments_json together; a device frame both ways or missing", async () => {
    const both = await rpcError(
      client.executeTool({ sessionId: "s", toolName: "local_get_time", arguments: { a: "1" }, argumentsJson: { a: 1 } }),
      Code.InvalidArgument,
    );
    expect(both.rawMessage).toBe("invalid request: arguments_json: set arguments or arguments_json, not both");
    const frameBoth = await rpcError(
      client.handleXiaoZhiMessage({ sessionId: "s", message: { type: "mcp" }, messageJson: { type: "mcp" } }),
      Code.InvalidArgument,
    );
    expect(frameBoth.rawMessage).toBe("invalid request: message_json: set message or message_json, not both");
    const none = await rpcError(client.handleXiaoZhiMessage({ sessionId: "s" }), Code.InvalidArgument);
    expect(none.rawMessage).toBe("invalid request: message_json: the device's frame is required");
  });

  it("not_found: an unbound session, an unknown tool, another tenant's session", async () => {
    const unbound = await rpcError(client.getTools({ sessionId: id("never-bound") }), Code.NotFound, "session_not_found");
    const rest = await restListTools(id("never-bound"));
    expect(unbound.rawMessage).toBe(rest.body.error?.message);
    await rpcError(client.unbindSession({ sessionId: id("never-bound") }), Code.NotFound, "session_not_found");

    const sessionId = id("not-found");
    await restBind(sessionId);
    const tool = await rpcError(client.executeTool({ sessionId, toolName: "local_fly" }), Code.NotFound, "tool_not_found");
    expect(tool.rawMessage).toBe('no tool named "local_fly" in this session');
    await rpcError(rpcClient(protocol, { key: TENANT_B_KEY }).getSession({ sessionId }), Code.NotFound, "session_not_found");
  });

  it("failed_precondition: a device_id that is not the session's device", async () => {
    const sessionId = id("mismatch");
    await restBind(sessionId);
    const err = await rpcError(
      client.executeTool({ sessionId, toolName: "local_get_time", deviceId: "11:22:33:44:55:66" }),
      Code.FailedPrecondition,
      "device_mismatch",
    );
    expect(err.rawMessage).toBe('device_id "11:22:33:44:55:66" is not the device bound to this session');
  });

  it("resource_exhausted: a request over limits.max_body_bytes", async () => {
    const sessionId = id("too-large");
    await restBind(sessionId);
    const song = "x".repeat(70 * 1024);
    const err = await rpcError(
      client.executeTool({ sessionId, toolName: "local_play_music", argumentsJson: { song_name: song } }),
      Code.ResourceExhausted,
      "payload_too_large",
    );
    expect(err.rawMessage).toBe("request body exceeds 65536 bytes");
    expect(detailsOf(err)).toEqual({ limit_bytes: 65536 });
  });

  it("deadline_exceeded: a deadline that has passed when the call arrives", async () => {
    const sessionId = id("expired");
    await restBind(sessionId);
    const expired = rpcClient(protocol, { headers: deadline(protocol, 0) });
    const err = await rpcError(expired.executeTool({ sessionId, toolName: "local_get_time" }), Code.DeadlineExceeded);
    expect(err.rawMessage).toBe("deadline exceeded: the call's deadline passed before the session answered");
    await rpcError(expired.getTools({ sessionId }), Code.DeadlineExceeded);
  });

  it("deadline_exceeded: a deadline that passes while the session is busy", async () => {
    const sessionId = id("busy");
    await restBind(sessionId);
    // Hold the session's object (all its events wait) for longer than the call's deadline.
    let holding!: () => void;
    const held = new Promise<void>((resolve) => (holding = resolve));
    const busy = runInDurableObject(sessionObject(sessionId), (_object, state) =>
      state.blockConcurrencyWhile(async () => {
        holding();
        await scheduler.wait(500);
      }),
    );
    await held;
    const hurried = rpcClient(protocol, { headers: deadline(protocol, 50) });
    await rpcError(hurried.executeTool({ sessionId, toolName: "local_get_time" }), Code.DeadlineExceeded);
    await busy;
    // A deadline with time to spare is met.
    const patient = rpcClient(protocol, { headers: deadline(protocol, 10_000) });
    expect((await patient.executeTool({ sessionId, toolName: "local_get_time" })).success).toBe(true);
  });
});

describe("RPC paths next to REST's routing", () => {
  const post = (path: string, headers: Record<string, string>) =>
    exports.default.fetch(`http://service.test${path}`, { method: "POST", headers, body: "{}" });

  it("an unknown procedure is the app's 404, which Connect clients read as unimplemented", async () => {
    const res = await post("/mcp.MCPService/Nope", { "Content-Type": "application/json" });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: "not_found", message: "no route POST /mcp.MCPService/Nope", request_id: res.headers.get("X-Request-Id") },
    });
  });

  it("a GET on a procedure is Connect's 405, not REST's", async () => {
    const res = await exports.default.fetch("http://service.test/mcp.MCPService/GetTools", {
      headers: { Authorization: "Bearer test-key-tenant-a" },
    });
    expect(res.status).toBe(405);
  });

  it("native gRPC is refused with 415: Cloudflare's edge converts it to gRPC-Web in production", async () => {
    const res = await post("/mcp.MCPService/GetTools", {
      "Content-Type": "application/grpc",
      Authorization: "Bearer test-key-tenant-a",
    });
    expect(res.status).toBe(415);
  });

  it("REST keeps its 404 and 405", async () => {
    expect((await restRequest("/api/v1/nope")).status).toBe(404);
    expect((await restRequest("/api/v1/mcp/tools/local_get_time/execute")).status).toBe(405);
    expect((await restRequest("/openapi.json", { key: null })).status).toBe(200);
  });
});

/** The REST error details an error carries in its `mcp.ErrorDetail`. */
function detailsOf(err: ConnectError) {
  const detail = err.findDetails(ErrorDetailSchema)[0];
  return detail?.details === undefined ? undefined : toJson(ValueSchema, detail.details);
}
