/**
 * @module test/device-handshake.test
 * What the service runs on an open relay and what the device sends back: the tools/list handshake (page by
 * page, over the relay or over HTTP), the vision token's renewal, and device frames delivered with
 * `POST .../messages`.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fieldDetails, restBind, restExecute, restGetSession, restPostMessage } from "./api";
import { deviceListing, openRelay, requestRelay, untilDeviceListing, untilDeviceReady } from "./device-gateway";
import { DeviceSimulator, paddedTool } from "./device-simulator";
import { verifyHs256 } from "./vision-token-check";
import { pollUntil } from "./poll";
import { sessionObject } from "./session-object";
import { stringMatching } from "./matchers";

const VISION_URL = "https://gw.example.com/api/vision";
const SECRET = "gateway-server-secret";

describe("the device's tool list", () => {
  it("is unavailable without a relay and incomplete while the handshake waits, never an empty ok list", async () => {
    await restBind("list-1");
    const before = await deviceListing("list-1");
    expect(before.report).toMatchObject({ status: "unavailable", tool_count: 0 });
    expect(before.report?.error).toMatch(/no device relay is open/);
    expect(before.all.some((t) => t.source === "local")).toBe(true);

    // A gateway that has not piped the device yet: initialize goes out and waits.
    const res = await requestRelay("list-1");
    const ws = res.webSocket;
    if (!ws) throw new Error("no WebSocket");
    const sent: string[] = [];
    ws.addEventListener("message", (event) => {
      sent.push(String(event.data));
    });
    ws.accept();
    await pollUntil(
      () => sent.length,
      (n) => n === 1,
      "initialize",
    );
    const waiting = await deviceListing("list-1");
    expect(waiting.report).toMatchObject({ status: "incomplete", tool_count: 0 });
    expect(waiting.report?.error).toMatch(/waiting for initialize/);

    // Unanswered past the handshake timeout, it says so.
    await runInDurableObject(sessionObject("list-1"), (_instance, state) => {
      state.storage.sql.exec("UPDATE device_link SET handshake = json_set(handshake, '$.startedAt', 0)");
    });
    const stale = await deviceListing("list-1");
    expect(stale.report).toMatchObject({ status: "unavailable" });
    expect(stale.report?.error).toMatch(/has not answered initialize/);
  });

  it("is read page by page (8000-byte pages, cursor = next tool's name) into one list", async () => {
    await restBind("list-2");
    const boardTools = Array.from({ length: 30 }, (_, n) => paddedTool(n));
    const device = new DeviceSimulator({ boardTools });
    await openRelay("list-2", device);
    const { tools, report } = await untilDeviceReady("list-2");

    const pages = device.requests("tools/list");
    expect(pages.length).toBeGreaterThanOrEqual(3);
    expect(pages[0]).not.toHaveProperty("params");
    const cursors = pages.slice(1).map((p) => (p.params as { cursor: string }).cursor);
    for (const cursor of cursors) expect(device.tools.some((t) => t.name === cursor)).toBe(true);
    expect(new Set(cursors).size).toBe(cursors.length);

    // Every visible tool once, in the device's order; the user-only tool stays hidden (no withUserTools).
    const visible = device.tools.filter((t) => !t.userOnly).map((t) => t.name);
    expect(tools.map((t) => t.original_name)).toEqual(visible);
    expect(report).toMatchObject({ status: "ok", tool_count: visible.length });
    expect(tools.find((t) => t.original_name === "self.board.gadget_07")).toMatchObject({
      name: "self_board_gadget_07",
      source: "device",
      input_schema: { type: "object", properties: { level: { type: "integer", default: 1 } }, required: [] },
    });
    const volume = tools.find((t) => t.name === "self_audio_speaker_set_volume");
    expect(volume?.input_schema).toMatchObject({
      properties: { volume: { type: "integer", minimum: 0, maximum: 100 } },
      required: ["volume"],
    });

    const ids = device.received.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("reports the device's refusal when a tool does not fit a page", async () => {
    await restBind("list-3");
    const device = new DeviceSimulator({ boardTools: [paddedTool(1, 9000)] });
    await openRelay("list-3", device);
    const listing = await untilDeviceListing("list-3", "unavailable");
    expect(listing.report?.error).toBe(
      "the device refused tools/list: Failed to add tool self.board.gadget_01 because of payload size limit",
    );
  });

  it("comes from the device's replies delivered over HTTP just as well", async () => {
    await restBind("list-4");
    const device = new DeviceSimulator();
    await openRelay("list-4", device, { deviceReplies: "http" });
    await untilDeviceReady("list-4");
    const res = await restExecute("list-4", "self_audio_speaker_set_volume", { volume: 12 });
    expect(res.body).toMatchObject({ success: true, action: "req_llm", result: "true" });
    expect(device.volume).toBe(12);
  });
});

describe("the vision token", () => {
  it("is renewed by re-initialising before it expires; the new list replaces the old one", async () => {
    await restBind("token-1", { vision_url: VISION_URL, token: SECRET });
    const device = new DeviceSimulator({ visionSecret: SECRET });
    await openRelay("token-1", device);
    const before = await untilDeviceReady("token-1");

    // The alarm is set for the renewal, well before the session's idle expiry.
    const { alarm, refreshAt } = await runInDurableObject(sessionObject("token-1"), async (_instance, state) => ({
      alarm: await state.storage.getAlarm(),
      refreshAt: state.storage.sql.exec<{ refresh_at: number }>("SELECT refresh_at FROM device_link").one().refresh_at,
    }));
    expect(alarm).toBe(refreshAt);
    expect(refreshAt - Date.now()).toBeLessThan(3600_000);

    await runInDurableObject(sessionObject("token-1"), (_instance, state) => {
      state.storage.sql.exec("UPDATE device_link SET refresh_at = 1");
    });
    expect(await runDurableObjectAlarm(sessionObject("token-1"))).toBe(true);
    await pollUntil(
      () => device.requests("tools/list").length,
      (n) => n === 2,
      "the list to be read again",
    );
    const after = await untilDeviceReady("token-1");

    const [, renewal] = device.requests("initialize");
    const renewed = (renewal?.params as { capabilities: { vision: { url: string; token: string } } }).capabilities.vision;
    expect(renewed.url).toBe(VISION_URL);
    expect(await verifyHs256(renewed.token, SECRET)).toMatchObject({ device_id: "AA:BB:CC:DD:EE:FF" });
    const nextRefresh = await runInDurableObject(
      sessionObject("token-1"),
      (_instance, state) => state.storage.sql.exec<{ refresh_at: number }>("SELECT refresh_at FROM device_link").one().refresh_at,
    );
    expect(nextRefresh).toBeGreaterThan(Date.now());
    expect(after.tools).toEqual(before.tools);
    const photo = await restExecute("token-1", "self_camera_take_photo", { question: "这是什么？" });
    expect(photo.body).toMatchObject({ success: true, action: "call_handler" });
  });
});

describe("POST .../messages", () => {
  it("validates the frame and needs a bound session", async () => {
    await restBind("msg-1");
    const notJson = await restPostMessage("msg-1", "{not json");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error?.code).toBe("invalid_json");

    const wrongType = await restPostMessage("msg-1", { type: "listen", payload: { jsonrpc: "2.0", method: "x" } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error?.details).toEqual([expect.objectContaining({ field: "type" })]);

    const stringId = await restPostMessage("msg-1", { type: "mcp", payload: { jsonrpc: "2.0", id: "7", result: {} } });
    expect(stringId.status).toBe(400);
    expect(fieldDetails(stringId.body).map((d) => d.field)).toContain("payload.id");

    const neither = await restPostMessage("msg-1", { type: "mcp", payload: { jsonrpc: "2.0", id: 7 } });
    expect(neither.status).toBe(400);
    expect(neither.body.error?.message).toMatch(/reply .* or a notification/);

    const unbound = await restPostMessage("msg-none", { type: "mcp", payload: { jsonrpc: "2.0", method: "notifications/x" } });
    expect(unbound.status).toBe(404);

    const late = await restPostMessage("msg-1", { type: "mcp", payload: { jsonrpc: "2.0", id: 99, result: { content: [] } } });
    expect(late.body).toEqual({ success: false, result: stringMatching(/no request is waiting for id 99/) });

    const notification = await restPostMessage("msg-1", {
      type: "mcp",
      session_id: "msg-1",
      payload: { jsonrpc: "2.0", method: "notifications/state_changed", params: { newState: "idle" } },
    });
    expect(notification.body).toEqual({ success: true, result: "notification notifications/state_changed recorded" });
    expect((await restGetSession("msg-1")).body.device.last_notification).toMatchObject({
      method: "notifications/state_changed",
      params: { newState: "idle" },
    });
  });
});
