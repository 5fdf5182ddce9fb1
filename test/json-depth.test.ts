/**
 * JSON nested deeper than the contract's limit (64 levels, the body or message counting as one) is a 400
 * `invalid_request` naming the rule and the field, on every surface, before any call into a session: REST's
 * bodies, Connect JSON and binary, gRPC-Web. The adversarial run's 4,000 levels (an 8 KB body) used to
 * overflow the stack on the way into the Durable Object and answer 500.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../src/contract/limits";
import { ExecuteToolRequestSchema } from "../src/gen/mcp/service_pb";
import { nestedBeyond } from "../src/util/json";
import { type ErrorBody, fieldDetails, restBind, restExecute, restGetSession, restPostMessage, restRequest } from "./api";
import { PROTOCOLS, rpcClient, rpcError } from "./rpc-client";
import { connectError, envelope, grpcWebError, sendRaw } from "./rpc-raw";

/** Arrays nested `levels` deep, as JSON text. */
const deepText = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

/** Arrays nested `levels` deep, built without recursion. */
function deepValue(levels: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

const RULE = `objects and arrays nest deeper than ${MAX_JSON_DEPTH} levels`;

describe("measuring", () => {
  it("names the path to the first container beyond the limit, and nothing within it", () => {
    expect(nestedBeyond({ a: [[1]] }, 2)).toEqual(["a", 0]);
    expect(nestedBeyond({ a: [1], b: { c: {} } }, 2)).toEqual(["b", "c"]);
    expect(nestedBeyond({ a: [1], b: {} }, 2)).toBeUndefined();
    expect(nestedBeyond("text", 0)).toBeUndefined();
  });

  it("cannot overflow the stack: a million levels, and a value that contains itself", () => {
    expect(nestedBeyond(deepValue(1_000_000), MAX_JSON_DEPTH)).toHaveLength(MAX_JSON_DEPTH);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(nestedBeyond(loop, MAX_JSON_DEPTH)).toHaveLength(MAX_JSON_DEPTH);
  });
});

describe("over REST", () => {
  it("execute with arguments 4,000 levels deep is a 400 naming arguments, bound session or not", async () => {
    await restBind("depth-rest");
    for (const sessionId of ["depth-rest", "depth-never-bound"]) {
      const body = `{"session_id":"${sessionId}","arguments":{"x":${deepText(4000)}}}`;
      const reply = await restRequest<ErrorBody>("/api/v1/mcp/tools/local_get_time/execute", { body });
      expect(reply.status).toBe(400);
      expect(reply.body.error).toMatchObject({
        code: "invalid_request",
        message: `invalid request body: arguments: ${RULE} (the most a request may nest, counting the request itself)`,
      });
      expect(fieldDetails(reply.body)).toEqual([expect.objectContaining({ field: "arguments", rule: "max_depth" })]);
    }
    expect((await restGetSession("depth-never-bound")).status).toBe(404);
  });

  it("a device frame 4,000 levels deep is a 400 naming payload, and is not recorded", async () => {
    await restBind("depth-frame");
    const frame = `{"type":"mcp","payload":{"jsonrpc":"2.0","method":"notifications/x","params":{"a":${deepText(4000)}}}}`;
    const reply = await restPostMessage("depth-frame", frame);
    expect(reply.status).toBe(400);
    expect(fieldDetails(reply.body)).toEqual([expect.objectContaining({ field: "payload", rule: "max_depth" })]);
    expect((await restGetSession("depth-frame")).body.device.last_notification).toBeNull();
  });

  it("a body exactly at the limit is taken (the body, arguments and x count three of the levels)", async () => {
    await restBind("depth-at-limit");
    const atLimit = await restExecute("depth-at-limit", "local_get_time", { x: deepValue(MAX_JSON_DEPTH - 2) });
    expect(atLimit.status).toBe(200);
    const over = await restExecute("depth-at-limit", "local_get_time", { x: deepValue(MAX_JSON_DEPTH - 1) });
    expect(over.status).toBe(400);
  });
});

describe("over RPC", () => {
  it.each(PROTOCOLS)("%s: arguments beyond the limit are invalid_argument naming the field", async (protocol) => {
    await restBind("depth-rpc");
    const call = rpcClient(protocol).executeTool({
      sessionId: "depth-rpc",
      toolName: "local_get_time",
      argumentsJson: { x: deepValue(MAX_JSON_DEPTH - 1) } as never,
    });
    const err = await rpcError(call, Code.InvalidArgument, "invalid_request");
    // JSON bodies are measured as sent (Connect's JSON names the field argumentsJson), binary ones once decoded.
    const field = protocol === "connect-json" ? "argumentsJson" : "arguments_json";
    expect(err.rawMessage).toBe(`invalid request: ${field}: ${RULE} (the most a request may nest, counting the request itself)`);
  });

  it.each(PROTOCOLS)("%s: arguments at the limit are taken, binary ones too", async (protocol) => {
    await restBind("depth-rpc");
    const answer = await rpcClient(protocol).executeTool({
      sessionId: "depth-rpc",
      toolName: "local_get_time",
      argumentsJson: { x: deepValue(MAX_JSON_DEPTH - 2) } as never,
    });
    expect(answer.success).toBe(true);
  });

  it("Connect JSON 4,000 levels deep is refused by the same rule, naming the field as sent", async () => {
    const body = `{"sessionId":"depth-never-bound","toolName":"local_get_time","argumentsJson":{"x":${deepText(4000)}}}`;
    for (const [contentType, framed] of [
      ["application/json", new TextEncoder().encode(body)],
      ["application/grpc-web+json", envelope(new TextEncoder().encode(body))],
    ] as const) {
      const res = await sendRaw("/mcp.MCPService/ExecuteTool", { headers: { "Content-Type": contentType }, body: framed });
      const error = contentType === "application/json" ? await connectError(res) : await grpcWebError(res);
      expect(error).toMatchObject({ restCode: "invalid_request" });
      expect(error.message).toContain(`argumentsJson: ${RULE}`);
    }
  });

  it("a frame whose payload is JSON text 4,000 levels deep (the string-map field) is refused naming message", async () => {
    await restBind("depth-rpc-map");
    const call = rpcClient("connect-json").handleXiaoZhiMessage({
      sessionId: "depth-rpc-map",
      message: { type: "mcp", payload: `{"jsonrpc":"2.0","method":"notifications/x","params":{"a":${deepText(4000)}}}` },
    });
    const err = await rpcError(call, Code.InvalidArgument, "invalid_request");
    expect(err.rawMessage).toContain(`message: ${RULE}`);
  });

  it("binary protobuf nested past protobuf's own limit stays invalid_argument", async () => {
    const message = toBinary(
      ExecuteToolRequestSchema,
      create(ExecuteToolRequestSchema, {
        sessionId: "depth-never-bound",
        toolName: "t",
        argumentsJson: { x: deepValue(150) } as never,
      }),
    );
    const overConnect = await connectError(
      await sendRaw("/mcp.MCPService/ExecuteTool", { headers: { "Content-Type": "application/proto" }, body: message }),
    );
    expect(overConnect).toMatchObject({ status: 400, code: "invalid_argument", restCode: "invalid_request" });
    const overGrpcWeb = await grpcWebError(
      await sendRaw("/mcp.MCPService/ExecuteTool", {
        headers: { "Content-Type": "application/grpc-web+proto" },
        body: envelope(message),
      }),
    );
    expect(overGrpcWeb).toMatchObject({ code: Code.InvalidArgument, restCode: "invalid_request" });
  });
});
