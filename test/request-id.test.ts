/**
 * @module test/request-id.test
 * Every answer carries the request's id in `X-Request-Id`: the caller's when it sent a plain one, a new one
 * otherwise; on successes and errors alike, over REST and RPC, and never on the relay's WebSocket upgrade.
 */
import { describe, expect, it } from "vitest";
import { type ErrorBody, restBind, restRequest } from "./api";
import { openRelay, untilDeviceReady } from "./device-gateway";
import { DeviceSimulator } from "./device-simulator";
import { sendRaw } from "./rpc-raw";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("X-Request-Id", () => {
  it("is a new id on every answer when the caller sent none, errors included", async () => {
    const health = await restRequest("/health", { key: null });
    const unknown = await restRequest<ErrorBody>("/api/v1/mcp/sessions/nobody");
    const unauthorized = await restRequest<ErrorBody>("/api/v1/mcp/tools?session_id=x", { key: null });
    const ids = [health, unknown, unauthorized].map((res) => res.headers.get("X-Request-Id"));
    expect(unknown.status).toBe(404);
    expect(unauthorized.status).toBe(401);
    for (const id of ids) expect(id).toMatch(UUID);
    expect(new Set(ids).size).toBe(3);
  });

  it("is the caller's own id when it is a plain token, and a new one when it is not", async () => {
    const echoed = await restRequest("/health", { key: null, headers: { "X-Request-Id": "gw-4f2a:17" } });
    expect(echoed.headers.get("X-Request-Id")).toBe("gw-4f2a:17");
    const forged = await restRequest("/health", { key: null, headers: { "X-Request-Id": "a b\tINFO fake line" } });
    expect(forged.headers.get("X-Request-Id")).toMatch(UUID);
  });

  it("is answered over Connect too, on success and on error", async () => {
    await restBind("reqid-rpc");
    const getTools = (sessionId: string, id: string) =>
      sendRaw("/mcp.MCPService/GetTools", {
        headers: { "Content-Type": "application/json", "X-Request-Id": id },
        body: JSON.stringify({ sessionId }),
      });
    const found = await getTools("reqid-rpc", "rpc-1");
    const missing = await getTools("nobody", "rpc-2");
    expect([found.status, found.headers.get("X-Request-Id")]).toEqual([200, "rpc-1"]);
    expect([missing.status, missing.headers.get("X-Request-Id")]).toEqual([404, "rpc-2"]);
  });

  it("leaves the relay's upgrade as the session answers it, and the relay works", async () => {
    await restBind("reqid-relay");
    const relay = await openRelay("reqid-relay", new DeviceSimulator());
    const { report } = await untilDeviceReady("reqid-relay");
    expect(report?.status).toBe("ok");
    relay.ws.close(1000, "done");
    expect(await relay.closed).toMatchObject({ code: 1000 });
  });
});
