/**
 * @module test/errors.test
 * The one error model: every client mistake is a 4xx `{"error": {code, message, details?}}` naming the field
 * and the rule, and a rejected request changes nothing.
 */
import { describe, expect, it } from "vitest";
import { type ErrorBody, fieldDetails, type Reply, restBind, restExecute, restGetSession, restRequest } from "./api";

const BIND = "/api/v1/mcp/sessions/err-1/bind";

function expectError(res: Reply<unknown>, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.body.error?.code).toBe(code);
  expect(typeof res.body.error?.message).toBe("string");
}

describe("request bodies", () => {
  it("malformed JSON is a 400 with the parser's reason", async () => {
    const res = await restRequest<ErrorBody>(BIND, { body: '{"device_id": "a",' });
    expectError(res, 400, "invalid_json");
    expect(res.body.error?.message).toMatch(/^request body is not valid JSON: /);
  });

  it("a wrong type is a 400 naming the field and the rule", async () => {
    const res = await restRequest<ErrorBody>(BIND, { body: { device_id: 42, client_id: "c" } });
    expectError(res, 400, "invalid_request");
    expect(res.body.error?.message).toContain("device_id");
    expect(res.body.error?.details).toEqual([
      { field: "device_id", rule: "invalid_type", message: "Invalid input: expected string, received number" },
    ]);
  });

  it("a missing field is a 400 naming it", async () => {
    const res = await restRequest<ErrorBody>(BIND, { body: { device_id: "d" } });
    expectError(res, 400, "invalid_request");
    expect(res.body.error?.details).toEqual([expect.objectContaining({ field: "client_id", rule: "invalid_type" })]);
  });

  it("an unknown field is a 400 naming it", async () => {
    const res = await restRequest<ErrorBody>(BIND, { body: { device_id: "d", client_id: "c", tokn: "typo" } });
    expectError(res, 400, "invalid_request");
    expect(res.body.error?.details).toEqual([{ field: "tokn", rule: "unrecognized_keys", message: "unknown field" }]);
  });

  it("a body that is JSON but not an object is a 400", async () => {
    const res = await restRequest<ErrorBody>(BIND, { body: "[1,2]" });
    expectError(res, 400, "invalid_request");
  });

  it("a vision_url that is not http(s) is a 400 naming it", async () => {
    const res = await restRequest<ErrorBody>(BIND, { body: { device_id: "d", client_id: "c", vision_url: "ws://x/vision" } });
    expectError(res, 400, "invalid_request");
    expect(fieldDetails(res.body)[0]?.field).toBe("vision_url");
  });

  it("execute arguments must be an object", async () => {
    await restBind("err-args");
    const res = await restRequest<ErrorBody>("/api/v1/mcp/tools/local_get_time/execute", {
      body: { session_id: "err-args", arguments: '{"a":1}' },
    });
    expectError(res, 400, "invalid_request");
    expect(fieldDetails(res.body)[0]?.field).toBe("arguments");
  });

  it("a timeout_ms out of range is a 400 naming it", async () => {
    await restBind("err-timeout");
    const res = await restExecute("err-timeout", "local_get_time", {}, { timeoutMs: 10 * 60 * 1000 });
    expectError(res, 400, "invalid_request");
    expect(fieldDetails(res.body)[0]).toMatchObject({ field: "timeout_ms", rule: "too_big" });
  });

  it("a body over the limit is a 413", async () => {
    const res = await restRequest<ErrorBody>(BIND, { body: { device_id: "d", client_id: "c", token: "x".repeat(70 * 1024) } });
    expectError(res, 413, "payload_too_large");
    expect(res.body.error?.details).toEqual({ limit_bytes: 65536 });
  });

  it("a body without a JSON content type is a 415", async () => {
    const res = await restRequest<ErrorBody>(BIND, {
      body: "device_id=d",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expectError(res, 415, "unsupported_media_type");
  });

  it("a rejected bind leaves the existing binding untouched", async () => {
    await restBind("err-keep", { device_id: "original", token: "t" });
    await restRequest<ErrorBody>("/api/v1/mcp/sessions/err-keep/bind", { body: { device_id: "changed", client_id: 7 } });
    await restRequest<ErrorBody>("/api/v1/mcp/sessions/err-keep/bind", { body: '{"device_id": "changed"' });
    await restRequest<ErrorBody>("/api/v1/mcp/sessions/err-keep/bind", {
      body: { device_id: "changed", client_id: "c", token: "y".repeat(70_000) },
    });
    const res = await restGetSession("err-keep");
    expect(res.body).toMatchObject({ device_id: "original", has_token: true });
  });

  it("a rejected bind of a new session creates nothing", async () => {
    await restRequest<ErrorBody>("/api/v1/mcp/sessions/err-new/bind", { body: { device_id: "d" } });
    expect((await restGetSession("err-new")).status).toBe(404);
  });
});

describe("paths and query", () => {
  it("GET tools without session_id is a 400 naming it", async () => {
    const res = await restRequest<ErrorBody>("/api/v1/mcp/tools");
    expectError(res, 400, "invalid_request");
    expect(fieldDetails(res.body)[0]?.field).toBe("session_id");
    expect(res.body.error?.message).toContain("query parameters");
  });

  it("a session id with characters outside the rule is a 400", async () => {
    const res = await restRequest<ErrorBody>("/api/v1/mcp/sessions/has%20space");
    expectError(res, 400, "invalid_request");
    expect(fieldDetails(res.body)[0]?.field).toBe("sessionId");
  });

  it("an unknown route is a 404", async () => {
    const res = await restRequest<ErrorBody>("/api/v1/mcp/nothing-here");
    expectError(res, 404, "not_found");
    expect((await restRequest<ErrorBody>("/nowhere", { key: null })).status).toBe(404);
  });

  it("a wrong method on a known path is a 405 listing the allowed ones", async () => {
    const res = await restRequest<ErrorBody>("/api/v1/mcp/sessions/err-1", { method: "PUT" });
    expectError(res, 405, "method_not_allowed");
    expect(res.headers.get("Allow")).toBe("GET, HEAD, DELETE");

    const onBind = await restRequest<ErrorBody>(BIND, { method: "GET" });
    expectError(onBind, 405, "method_not_allowed");
    expect(onBind.headers.get("Allow")).toBe("POST");

    const onHealth = await restRequest<ErrorBody>("/health", { method: "POST", key: null, body: {} });
    expectError(onHealth, 405, "method_not_allowed");
  });
});

describe("unknown sessions and tools", () => {
  it("executing in an unknown session is a 404", async () => {
    const res = await restExecute("nobody", "local_get_time");
    expectError(res, 404, "session_not_found");
  });

  it("executing an unknown tool is a 404 naming it", async () => {
    await restBind("err-tool");
    const res = await restExecute("err-tool", "no_such_tool");
    expectError(res, 404, "tool_not_found");
    expect(res.body.error?.message).toContain("no_such_tool");
  });

  it("executing with another device's id is a 409", async () => {
    await restBind("err-device", { device_id: "bound-device" });
    const res = await restExecute("err-device", "local_get_time", {}, { deviceId: "other-device" });
    expectError(res, 409, "device_mismatch");
    const same = await restExecute("err-device", "local_get_time", {}, { deviceId: "bound-device" });
    expect(same.body.success).toBe(true);
  });
});
