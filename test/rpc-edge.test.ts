/**
 * Bad RPC requests at the protocol edge, sent as raw HTTP over Connect and gRPC-Web: a binary body that is not
 * a message of the rpc's request type, an unsupported encoding, content type or method. Each is a 4xx (or
 * gRPC-Web's `invalid_argument`) whose error says what is accepted, never `internal`.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { MCPService } from "../src/gen/mcp/service_pb";
import { restBind } from "./api";
import { rpcClient } from "./rpc-client";
import { connectError, envelope, grpcWebError, sendRaw as send } from "./rpc-raw";

/** The bytes the adversarial run sent: not a protobuf message of any type. */
const GARBAGE = new Uint8Array([0xff, 0xfe, 0xaf, 0x44]);

const CONTENT_TYPES =
  "application/json or application/proto (Connect), application/grpc-web+proto or application/grpc-web+json (gRPC-Web)";

describe("a binary body that is not a message of the rpc's request type", () => {
  for (const method of MCPService.methods) {
    const path = `/mcp.MCPService/${method.name}`;
    const notA = `request body is not a valid ${method.input.typeName} (binary protobuf): `;

    it(`is invalid_argument over Connect and gRPC-Web: ${method.name}`, async () => {
      const overConnect = await connectError(
        await send(path, { headers: { "Content-Type": "application/proto" }, body: GARBAGE }),
      );
      expect(overConnect).toMatchObject({ status: 400, code: "invalid_argument", restCode: "invalid_request" });
      expect(overConnect.message.startsWith(notA)).toBe(true);

      const overGrpcWeb = await grpcWebError(
        await send(path, { headers: { "Content-Type": "application/grpc-web+proto" }, body: envelope(GARBAGE) }),
      );
      expect(overGrpcWeb).toMatchObject({ code: Code.InvalidArgument, restCode: "invalid_request" });
      expect(overGrpcWeb.message.startsWith(notA)).toBe(true);
    });
  }

  it("is still refused for its framing first (gRPC-Web), and for a missing key before its content", async () => {
    const unframed = await grpcWebError(
      await send("/mcp.MCPService/GetTools", { headers: { "Content-Type": "application/grpc-web" }, body: GARBAGE }),
    );
    expect(unframed).toMatchObject({ code: Code.InvalidArgument, message: "protocol error: incomplete envelope" });

    const noKey = await connectError(
      await send("/mcp.MCPService/GetTools", { key: null, headers: { "Content-Type": "application/proto" }, body: GARBAGE }),
    );
    expect(noKey).toMatchObject({ status: 401, code: "unauthenticated" });
  });

  it("leaves well-formed binary calls alone", async () => {
    await restBind("rpc-edge-binary");
    for (const protocol of ["connect-binary", "grpc-web"] as const) {
      const { tools } = await rpcClient(protocol).getTools({ sessionId: "rpc-edge-binary" });
      expect(tools.length).toBeGreaterThan(0);
    }
  });
});

describe("an unsupported request encoding", () => {
  it("is invalid_argument naming the encodings served (identity only), over Connect and gRPC-Web", async () => {
    const json = JSON.stringify({ session_id: "rpc-edge-encoding" });
    const overConnect = await connectError(
      await send("/mcp.MCPService/GetTools", {
        headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" },
        body: json,
      }),
    );
    expect(overConnect).toEqual({
      status: 400,
      code: "invalid_argument",
      message: 'unsupported Content-Encoding "gzip": send the body uncompressed (supported encodings: identity)',
      restCode: "unsupported_media_type",
    });

    const overGrpcWeb = await grpcWebError(
      await send("/mcp.MCPService/GetTools", {
        headers: { "Content-Type": "application/grpc-web+proto", "Grpc-Encoding": "br" },
        body: envelope(new Uint8Array()),
      }),
    );
    expect(overGrpcWeb).toEqual({
      code: Code.InvalidArgument,
      message: 'unsupported Grpc-Encoding "br": send the body uncompressed (supported encodings: identity)',
      restCode: "unsupported_media_type",
    });
  });

  it("identity is accepted", async () => {
    await restBind("rpc-edge-identity");
    const res = await send("/mcp.MCPService/GetTools", {
      headers: { "Content-Type": "application/json", "Content-Encoding": "identity" },
      body: JSON.stringify({ session_id: "rpc-edge-identity" }),
    });
    expect(res.status).toBe(200);
  });
});

describe("a content type no protocol serves", () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['"text/plain"', { "Content-Type": "text/plain" }],
    ['"application/grpc"', { "Content-Type": "application/grpc" }],
    ['"application/grpc-web-text"', { "Content-Type": "application/grpc-web-text" }],
    ['"application/connect+json"', { "Content-Type": "application/connect+json" }],
    ["(none)", {}],
  ];
  it.each(cases)("%s is a 415 with a Connect error body listing the content types served", async (got, headers) => {
    // Bytes, so that the runtime adds no text/plain of its own.
    const res = await send("/mcp.MCPService/GetTools", { headers, body: new TextEncoder().encode("{}") });
    expect(await connectError(res)).toEqual({
      status: 415,
      code: "invalid_argument",
      message: `unsupported Content-Type ${got}: send ${CONTENT_TYPES}`,
      restCode: "unsupported_media_type",
    });
  });
});

describe("a method other than POST", () => {
  it.each([
    ["GET", "application/json"],
    ["PUT", "application/proto"],
    ["GET", "application/grpc-web+proto"],
    ["DELETE", "application/grpc-web+json"],
  ])("%s (%s) is a 405 with Allow and a Connect error body", async (method, contentType) => {
    const res = await send("/mcp.MCPService/GetTools", {
      method,
      headers: { "Content-Type": contentType },
      body: method === "GET" ? undefined : "{}",
    });
    expect(res.headers.get("Allow")).toBe("POST");
    expect(await connectError(res)).toEqual({
      status: 405,
      code: "unimplemented",
      message: `${method} is not allowed on /mcp.MCPService/GetTools; use POST`,
      restCode: "method_not_allowed",
    });
  });

  it("says so before authentication, as before", async () => {
    const res = await send("/mcp.MCPService/GetTools", { method: "GET", key: null });
    expect(res.headers.get("Allow")).toBe("POST");
    expect(await connectError(res)).toMatchObject({ status: 405, code: "unimplemented" });
  });
});
