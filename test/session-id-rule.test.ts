/**
 * One session id rule on every surface: REST's path, query and body, and every RPC's field. Ids gateways send
 * (UUIDs, MAC addresses, `device-AA_BB…`) are taken; `.`, `..`, JavaScript's object member names, control
 * characters and anything URL-decoding could turn into a separator are refused with a 400 naming the rule.
 * A session bound as `..` over Connect used to be unreachable by its REST path.
 */
import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { type ErrorBody, fieldDetails, restBind, restGetSession, restRequest, restUnbind } from "./api";
import { PROTOCOLS, rpcClient, rpcError } from "./rpc-client";

const RULE =
  "1-128 characters of A-Z a-z 0-9 . _ : @ -, beginning with a letter or a digit, and not the name of a JavaScript " +
  "object member (constructor, hasOwnProperty, isPrototypeOf, propertyIsEnumerable, prototype, toLocaleString, " +
  "toString, valueOf)";

const TAKEN = [
  "AA:BB:CC:DD:EE:FF",
  "3f2504e0-4f89-41d3-9a0c-0305e82c3301",
  "device-AA_BB_CC_DD_EE_FF",
  "user@gw.example.com",
  "a..b",
  "Constructor",
  "x".repeat(128),
];

const REFUSED = [
  ".",
  "..",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "_hidden",
  "-dash",
  "a/b",
  "a\u0000b",
  "a\nb",
  "a b",
  "a%2Fb",
  "x".repeat(129),
  "",
];

describe("ids gateways send", () => {
  it.each(TAKEN)("%s is taken by REST, reachable by its path, and by every RPC protocol", async (id) => {
    await restBind(id);
    expect((await restGetSession(encodeURIComponent(id))).body.session_id).toBe(id);
    for (const protocol of PROTOCOLS) {
      const { session } = await rpcClient(protocol).getSession({ sessionId: id });
      expect(session?.sessionId).toBe(id);
    }
    expect((await restUnbind(encodeURIComponent(id))).status).toBe(200);
  });
});

describe("ids outside the rule", () => {
  it.each(REFUSED.filter((id) => id !== ""))("%j is a 400 naming the rule in REST's path", async (id) => {
    const reply = await restRequest<ErrorBody>(`/api/v1/mcp/sessions/${encodeURIComponent(id)}/bind`, {
      body: { device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1" },
    });
    // `.` and `..` are path segments the URL resolves away: what is left is another route, or none.
    if (id === "." || id === "..") {
      expect(reply.body.error).toMatchObject({ code: id === "." ? "method_not_allowed" : "not_found" });
      return;
    }
    expect(reply.status).toBe(400);
    expect(fieldDetails(reply.body)).toEqual([{ field: "sessionId", rule: "invalid_format", message: RULE }]);
  });

  it.each(REFUSED)("%j is a 400 naming the rule in REST's query and body", async (id) => {
    const query = await restRequest<ErrorBody>(`/api/v1/mcp/tools?session_id=${encodeURIComponent(id)}`);
    expect(query.status).toBe(400);
    expect(fieldDetails(query.body)).toEqual([expect.objectContaining({ field: "session_id" })]);

    const body = await restRequest<ErrorBody>("/api/v1/mcp/tools/local_get_time/execute", { body: { session_id: id } });
    expect(body.status).toBe(400);
    expect(fieldDetails(body.body)).toEqual([expect.objectContaining({ field: "session_id" })]);
  });

  it.each(REFUSED)("%j is invalid_argument naming the rule over every RPC protocol, and binds nothing", async (id) => {
    for (const protocol of PROTOCOLS) {
      const client = rpcClient(protocol);
      const bind = client.bindSession({ sessionId: id, deviceId: "AA:BB:CC:DD:EE:FF", clientId: "client-1" });
      const err = await rpcError(bind, Code.InvalidArgument, "invalid_request");
      if (id !== "") expect(err.rawMessage).toBe(`invalid request: session_id: ${RULE}`);
      await rpcError(client.getSession({ sessionId: id }), Code.InvalidArgument, "invalid_request");
    }
  });

  it("URL-encoded dot segments resolve away before routing, and answer 404 with the error shape", async () => {
    for (const path of ["%2e%2e", ".%2E", "%2e"]) {
      const reply = await restRequest<ErrorBody>(`/api/v1/mcp/sessions/${path}`);
      expect(reply.status).toBe(404);
      expect(reply.body.error?.code).toBe("not_found");
    }
  });
});
