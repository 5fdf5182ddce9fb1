/**
 * @module test/device-relay.test
 * The device relay's life: opening it (auth, binding, upgrade), replacement by a newer relay, closing,
 * unbinding, the JSON-RPC id counter, and eviction and hibernation of the session object.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type ErrorBody, restBind, restExecute, restGetSession, restRequest, restUnbind } from "./api";
import { deviceListing, openRelay, requestRelay, untilDeviceListing, untilDeviceReady } from "./device-gateway";
import { DeviceSimulator } from "./device-simulator";
import { verifyHs256 } from "./vision-token-check";
import { TENANT_B_KEY } from "./keys";
import { pollUntil } from "./poll";
import { sessionObject } from "./session-object";

const VISION_URL = "https://gw.example.com/api/vision";
const SECRET = "gateway-server-secret";

describe("opening the relay", () => {
  it("needs the API key, a bound session of the key's tenant, and a WebSocket upgrade", async () => {
    await restBind("open-1");

    const noKey = await requestRelay("open-1", { Authorization: "" });
    expect(noKey.status).toBe(401);

    const noUpgrade = await restRequest<ErrorBody>("/api/v1/mcp/sessions/open-1/relay");
    expect(noUpgrade.status).toBe(426);
    expect(noUpgrade.body.error.code).toBe("upgrade_required");

    const unbound = await requestRelay("never-bound");
    expect(unbound.status).toBe(404);
    expect((await unbound.json<ErrorBody>()).error.code).toBe("session_not_found");
    // Nothing was written for it: it is still unknown.
    expect((await restGetSession("never-bound")).status).toBe(404);

    const otherTenant = await requestRelay("open-1", { Authorization: `Bearer ${TENANT_B_KEY}` });
    expect(otherTenant.status).toBe(404);

    const badId = await requestRelay("bad id!");
    expect(badId.status).toBe(400);

    const wrongMethod = await restRequest<ErrorBody>("/api/v1/mcp/sessions/open-1/relay", { method: "POST", body: {} });
    expect(wrongMethod.status).toBe(405);
  });

  it("sends initialize first, with the vision url and an HS256 token GO's vision endpoints accept", async () => {
    await restBind("open-2", { device_id: "11:22:33:44:55:66", vision_url: VISION_URL, token: SECRET });
    const device = new DeviceSimulator({ deviceId: "11:22:33:44:55:66" });
    await openRelay("open-2", device);
    await untilDeviceReady("open-2");

    const [first, second] = device.received;
    expect(first).toMatchObject({ jsonrpc: "2.0", method: "initialize", params: { protocolVersion: "2024-11-05" } });
    expect(typeof first?.id).toBe("number");
    expect(second).toMatchObject({ jsonrpc: "2.0", method: "tools/list" });
    expect(second).not.toHaveProperty("params");
    expect(second?.id).not.toBe(first?.id);

    expect(device.vision?.url).toBe(VISION_URL);
    const claims = await verifyHs256(device.vision?.token ?? "", SECRET);
    expect(claims).toMatchObject({ device_id: "11:22:33:44:55:66" });
    expect((claims?.exp as number) - (claims?.iat as number)).toBe(3600);
    expect(await verifyHs256(device.vision?.token ?? "", "another-secret")).toBeUndefined();

    const session = await restGetSession("open-2");
    expect(session.body.device).toMatchObject({ relay: "open", tools_status: "ok", last_notification: null });
  });

  it("gives the device no vision capability when the binding has no vision url", async () => {
    await restBind("open-3");
    const device = new DeviceSimulator();
    await openRelay("open-3", device);
    await untilDeviceReady("open-3");
    const capabilities = (device.requests("initialize")[0]?.params as { capabilities: object }).capabilities;
    expect(capabilities).not.toHaveProperty("vision");
    expect(device.vision).toBeUndefined();
  });
});

describe("replacing and closing the relay", () => {
  it("a second relay replaces the first: the old one is closed, its calls fail, the new list replaces the old", async () => {
    await restBind("swap-1");
    const first = new DeviceSimulator({ boardTools: [{ name: "self.first.only", description: "first", run: () => 1 }] });
    const firstRelay = await openRelay("swap-1", first);
    await untilDeviceReady("swap-1");
    first.holdCalls = true;
    const pending = restExecute("swap-1", "self_get_device_status", {}, { timeoutMs: 60_000 });
    await pollUntil(
      () => first.heldCallIds().length,
      (n) => n === 1,
      "the call to reach the first device",
    );

    const second = new DeviceSimulator({ boardTools: [{ name: "self.second.only", description: "second", run: () => 2 }] });
    await openRelay("swap-1", second);
    expect(await firstRelay.closed).toMatchObject({ code: 4000 });
    const failed = await pending;
    expect(failed.body).toMatchObject({ success: false, error: { code: "device_unavailable" } });
    expect(failed.body.error?.message).toMatch(/replaced/);

    const { tools } = await untilDeviceReady("swap-1");
    const names = tools.map((t) => t.name);
    expect(names).toContain("self_second_only");
    expect(names).not.toContain("self_first_only");
    expect(names.length).toBe(new Set(names).size);

    // Ids keep counting across relays: none of the second relay's repeats the first's.
    const firstIds = new Set(first.received.map((p) => p.id));
    expect(second.received.every((p) => !firstIds.has(p.id))).toBe(true);
    const answer = await restExecute("swap-1", "self_second_only");
    expect(answer.body).toMatchObject({ success: true, result: "2" });
  });

  it("closing mid-call fails the call at once; the device's tools are unavailable until the next relay lists them", async () => {
    await restBind("close-1");
    const device = new DeviceSimulator();
    const relay = await openRelay("close-1", device);
    await untilDeviceReady("close-1");
    device.holdCalls = true;
    // 60 s: only the close can end this call within the test's time.
    const pending = restExecute("close-1", "self_audio_speaker_set_volume", { volume: 5 }, { timeoutMs: 60_000 });
    await pollUntil(
      () => device.heldCallIds().length,
      (n) => n === 1,
      "the call to reach the device",
    );
    relay.ws.close(1000, "device went away");

    const failed = await pending;
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ success: false, action: "error", error: { code: "device_unavailable" } });
    expect(failed.body.error?.message).toMatch(/relay closed/);

    const listing = await untilDeviceListing("close-1", "unavailable");
    expect(listing.tools).toEqual([]);
    // A tool the LLM may still hold answers as unavailable, not as an unknown tool.
    const late = await restExecute("close-1", "self_audio_speaker_set_volume", { volume: 5 });
    expect(late.body).toMatchObject({ success: false, error: { code: "device_unavailable" } });
    expect((await restGetSession("close-1")).body.device).toMatchObject({
      relay: "closed",
      tools_status: "unavailable",
    });

    const again = new DeviceSimulator();
    await openRelay("close-1", again);
    await untilDeviceReady("close-1");
    expect((await restExecute("close-1", "self_audio_speaker_set_volume", { volume: 6 })).body.success).toBe(true);
    expect(again.volume).toBe(6);
  });

  it("a relay the gateway closes is closed back at once with its code, and the device's tools become unavailable", async () => {
    await restBind("close-3");
    const relay = await openRelay("close-3", new DeviceSimulator());
    await untilDeviceReady("close-3");
    relay.ws.close(1000, "device left");
    // The service answers the Close frame: the gateway's socket does not wait in CLOSING for its own timeout.
    const closed = await Promise.race([
      relay.closed,
      new Promise<"no answer">((resolve) => setTimeout(() => resolve("no answer"), 3_000)),
    ]);
    expect(closed).toMatchObject({ code: 1000 });
    const listing = await untilDeviceListing("close-3", "unavailable");
    expect(listing.report?.error).toMatch(/no device relay is open/);
  });

  it("unbinding closes the relay (4001) and fails a pending call at once", async () => {
    await restBind("close-2");
    const device = new DeviceSimulator();
    const relay = await openRelay("close-2", device);
    await untilDeviceReady("close-2");
    device.holdCalls = true;
    const pending = restExecute("close-2", "self_get_device_status", {}, { timeoutMs: 60_000 });
    await pollUntil(
      () => device.heldCallIds().length,
      (n) => n === 1,
      "the call to reach the device",
    );

    expect((await restUnbind("close-2")).status).toBe(200);
    expect(await relay.closed).toMatchObject({ code: 4001 });
    expect((await pending).body).toMatchObject({ success: false, error: { code: "cancelled", message: "session unbound" } });
    expect((await requestRelay("close-2")).status).toBe(404);
  });

  it("a relay opened after unbinding and binding again never shares the old relay's generation", async () => {
    // The old socket's close can arrive late; were the generations equal, it would end the new relay.
    const generation = () =>
      runInDurableObject(
        sessionObject("close-3"),
        (_i, state) => state.storage.sql.exec<{ relay: number }>("SELECT relay FROM device_link").one().relay,
      );
    await restBind("close-3");
    await openRelay("close-3", new DeviceSimulator());
    await untilDeviceReady("close-3");
    const before = await generation();
    expect((await restUnbind("close-3")).status).toBe(200);

    await restBind("close-3");
    await openRelay("close-3", new DeviceSimulator());
    await untilDeviceReady("close-3");
    expect(await generation()).toBeGreaterThan(before);
  });
});

describe("JSON-RPC ids", () => {
  it("stay within int32: after 2147483647 the counter starts again at 1", async () => {
    await restBind("ids-1");
    const device = new DeviceSimulator();
    await openRelay("ids-1", device);
    await untilDeviceReady("ids-1");
    await runInDurableObject(sessionObject("ids-1"), (_instance, state) => {
      state.storage.sql.exec("UPDATE device_link SET next_rpc_id = 2147483647");
    });
    expect((await restExecute("ids-1", "self_audio_speaker_set_volume", { volume: 1 })).body.success).toBe(true);
    expect((await restExecute("ids-1", "self_audio_speaker_set_volume", { volume: 2 })).body.success).toBe(true);
    expect(device.requests("tools/call").map((p) => p.id)).toEqual([2147483647, 1]);
    expect(device.volume).toBe(2);
  });
});

describe("eviction and hibernation", () => {
  it("the relay keeps working after the object is evicted with its WebSockets hibernated", async () => {
    await restBind("evict-1");
    const device = new DeviceSimulator();
    const relay = await openRelay("evict-1", device);
    await untilDeviceReady("evict-1");
    expect((await restExecute("evict-1", "self_audio_speaker_set_volume", { volume: 20 })).body.success).toBe(true);

    await runInDurableObject(sessionObject("evict-1"), (instance) => {
      (instance as unknown as { marker?: string }).marker = "before eviction";
    });
    await evictDurableObject(sessionObject("evict-1"));
    // A new instance: memory is gone, storage and the hibernated relay remain.
    expect(
      await runInDurableObject(sessionObject("evict-1"), (instance) => (instance as unknown as { marker?: string }).marker),
    ).toBeUndefined();

    const listing = await deviceListing("evict-1");
    expect(listing.report).toMatchObject({ status: "ok", tool_count: 5 });
    const res = await restExecute("evict-1", "self_audio_speaker_set_volume", { volume: 30 });
    expect(res.body).toMatchObject({ success: true, result: "true" });
    expect(device.volume).toBe(30);
    // The id counter survived: no id was used twice.
    const ids = device.received.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);

    // Ping is answered by the runtime.
    const pong = new Promise<string>((resolve) => relay.ws.addEventListener("message", (e) => resolve(String(e.data))));
    relay.ws.send("ping");
    expect(await pong).toBe("pong");
  });

  it("an eviction that closes the WebSockets leaves the device tools unavailable", async () => {
    await restBind("evict-2");
    const device = new DeviceSimulator();
    await openRelay("evict-2", device);
    await untilDeviceReady("evict-2");
    await evictDurableObject(sessionObject("evict-2"), { webSockets: "close" });
    const listing = await deviceListing("evict-2");
    expect(listing.report).toMatchObject({ status: "unavailable", tool_count: 0 });
    const res = await restExecute("evict-2", "self_get_device_status");
    expect(res.body).toMatchObject({ success: false, error: { code: "device_unavailable" } });
  });
});
