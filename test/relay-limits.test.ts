/**
 * @module test/relay-limits.test
 * The device frame limits (contract/limits): a frame over 32 KiB is refused on the relay and over
 * `POST .../messages`, the relay stays open, nothing of it is stored; a reply refused for its size ends the call
 * or the handshake step it answers; a notification's params over 4 KiB are not recorded; device text quoted in
 * errors is clipped.
 */
import { describe, expect, it } from "vitest";
import { MAX_DEVICE_FRAME_BYTES, MAX_NOTIFICATION_PARAMS_BYTES, MAX_QUOTED_DEVICE_TEXT_CHARS } from "../src/contract/limits";
import { restBind, restExecute, restGetSession, restPostMessage } from "./api";
import { deviceListing, openRelay, requestRelay, untilDeviceListing, untilDeviceReady } from "./device-gateway";
import { DeviceSimulator } from "./device-simulator";
import { pollUntil } from "./poll";

/** A reply frame laid out as the firmware writes it. */
function replyFrame(id: number, result: unknown): string {
  return `{"session_id":"","type":"mcp","payload":{"jsonrpc":"2.0","id":${id},"result":${JSON.stringify(result)}}}`;
}

function notificationFrame(params: Record<string, unknown>): string {
  return JSON.stringify({
    session_id: "",
    type: "mcp",
    payload: { jsonrpc: "2.0", method: "notifications/state_changed", params },
  });
}

/** A device with the simulator's tools, one of which answers with `size` characters of text. */
function deviceWithBigAnswer(size: number): DeviceSimulator {
  return new DeviceSimulator({
    boardTools: [{ name: "self.big.answer", description: "answers at length", run: () => "y".repeat(size) }],
  });
}

/** Waits until the device holds exactly one `tools/call` and answers its id. */
async function heldCallId(device: DeviceSimulator): Promise<number> {
  const ids = await pollUntil(
    () => device.heldCallIds(),
    (held) => held.length === 1,
    "the call to reach the device",
  );
  return ids[0] ?? -1;
}

describe("frames over the size limit on the relay", () => {
  it("are dropped without storing anything; the relay stays open and carries on", async () => {
    await restBind("limits-1");
    const device = new DeviceSimulator();
    const relay = await openRelay("limits-1", device);
    await untilDeviceReady("limits-1");
    device.notify("notifications/state_changed", { newState: "idle" });
    await pollUntil(
      async () => (await restGetSession("limits-1")).body.device.last_notification,
      (notification) => notification !== null,
      "the small notification to be recorded",
    );

    relay.ws.send(notificationFrame({ blob: "x".repeat(1_100_000) }));
    relay.ws.send(new Uint8Array(1_200_000));
    // A frame just over the limit, in characters that take three bytes each in UTF-8.
    relay.ws.send(notificationFrame({ text: "语".repeat(Math.ceil(MAX_DEVICE_FRAME_BYTES / 3)) }));
    // The call's reply comes after those frames on the same relay, so they have all been taken or dropped by then.
    const call = await restExecute("limits-1", "self_audio_speaker_set_volume", { volume: 12 });
    expect(call.body).toMatchObject({ success: true });
    expect(device.volume).toBe(12);

    const view = (await restGetSession("limits-1")).body;
    expect(view.device.last_notification?.params).toEqual({ newState: "idle" });
    expect(view.device.relay).toBe("open");
    expect(relay.ws.readyState).toBe(WebSocket.OPEN);
    // Megabyte frames take seconds to cross the test's loopback under load.
  }, 30_000);

  it("a reply within the limit is taken, even near it", async () => {
    await restBind("limits-2");
    await openRelay("limits-2", deviceWithBigAnswer(MAX_DEVICE_FRAME_BYTES - 200));
    await untilDeviceReady("limits-2");
    const call = await restExecute("limits-2", "self_big_answer");
    expect(call.body).toMatchObject({ success: true, action: "req_llm" });
    expect(call.body.result).toHaveLength(MAX_DEVICE_FRAME_BYTES - 200);
  });

  it("a reply over it ends its call at once with a tool_error that names the limit", async () => {
    await restBind("limits-3");
    const device = deviceWithBigAnswer(40_000);
    await openRelay("limits-3", device);
    await untilDeviceReady("limits-3");

    const started = Date.now();
    // 60 s: only the refusal can end this call within the test's time.
    const call = await restExecute("limits-3", "self_big_answer", {}, { timeoutMs: 60_000 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(call.body).toMatchObject({ success: false, action: "error", error: { code: "tool_error" } });
    expect(call.body.error?.message).toMatch(
      new RegExp(`reply to tools/call \\d+ was refused: frame of \\d+\\+ bytes is over the ${MAX_DEVICE_FRAME_BYTES}-byte limit`),
    );
    // The relay is still the session's: the next call answers.
    expect((await restExecute("limits-3", "self_audio_speaker_set_volume", { volume: 7 })).body.success).toBe(true);
  });

  it("an oversized reply in another layout is only dropped: its call waits for its timeout", async () => {
    await restBind("limits-4");
    const device = new DeviceSimulator();
    device.holdCalls = true;
    const relay = await openRelay("limits-4", device);
    await untilDeviceReady("limits-4");
    const pending = restExecute("limits-4", "self_get_device_status", {}, { timeoutMs: 1_500 });
    const id = await heldCallId(device);
    // `id` after the result: it cannot be read without reading the whole frame.
    relay.ws.send(`{"type":"mcp","payload":{"jsonrpc":"2.0","result":{"pad":"${"z".repeat(40_000)}"},"id":${id}}}`);
    const call = await pending;
    expect(call.body).toMatchObject({ success: false, error: { code: "device_timeout" } });
  });

  it("an oversized tools/list page fails the handshake with the reason", async () => {
    await restBind("limits-5");
    const res = await requestRelay("limits-5");
    const ws = res.webSocket;
    if (!ws) throw new Error("no WebSocket in the 101 response");
    ws.accept();
    ws.addEventListener("message", (event) => {
      const request = JSON.parse(String(event.data)) as { payload: { id: number; method: string } };
      const { id, method } = request.payload;
      if (method === "initialize") ws.send(replyFrame(id, { protocolVersion: "2024-11-05", capabilities: { tools: {} } }));
      else ws.send(replyFrame(id, { tools: [{ name: "self.huge", description: "d".repeat(40_000) }] }));
    });
    const listing = await untilDeviceListing("limits-5", "unavailable");
    expect(listing.report?.error).toMatch(/reply to tools\/list was refused: frame of \d+\+ bytes is over the 32768-byte limit/);
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close(1000, "done");
  });
});

describe("what the session keeps of a frame", () => {
  it("records no notification whose params are over the limit, and keeps the previous one", async () => {
    await restBind("limits-6");
    const device = new DeviceSimulator();
    await openRelay("limits-6", device);
    await untilDeviceReady("limits-6");
    device.notify("notifications/state_changed", { newState: "listening" });
    await pollUntil(
      async () => (await restGetSession("limits-6")).body.device.last_notification,
      (notification) => notification !== null,
      "the first notification",
    );

    const big = await restPostMessage("limits-6", {
      type: "mcp",
      payload: {
        jsonrpc: "2.0",
        method: "notifications/state_changed",
        params: { blob: "x".repeat(MAX_NOTIFICATION_PARAMS_BYTES) },
      },
    });
    expect(big.status).toBe(200);
    expect(big.body).toMatchObject({ success: false });
    expect(JSON.stringify(big.body)).toMatch(/params \(\d+\+ bytes\) are over the 4096-byte limit/);
    const view = (await restGetSession("limits-6")).body;
    expect(view.device.last_notification?.params).toEqual({ newState: "listening" });
  });

  it("clips a device's error message quoted in a call's result", async () => {
    await restBind("limits-7");
    const message = "m".repeat(2_000);
    const device = new DeviceSimulator({
      boardTools: [
        {
          name: "self.wordy.failure",
          description: "fails at length",
          run: () => {
            throw new Error(message);
          },
        },
      ],
    });
    await openRelay("limits-7", device);
    await untilDeviceReady("limits-7");
    const call = await restExecute("limits-7", "self_wordy_failure");
    expect(call.body).toMatchObject({ success: false, error: { code: "tool_error" } });
    expect(call.body.error?.message).toBe(`${message.slice(0, MAX_QUOTED_DEVICE_TEXT_CHARS)}… (2000 characters in all)`);
  });
});

describe("frames over the size limit over HTTP", () => {
  it("are refused 413 payload_too_large (under the body limit), and end the call they answer", async () => {
    await restBind("limits-8");
    const device = new DeviceSimulator();
    device.holdCalls = true;
    await openRelay("limits-8", device);
    await untilDeviceReady("limits-8");
    const pending = restExecute("limits-8", "self_get_device_status", {}, { timeoutMs: 60_000 });
    const id = await heldCallId(device);

    const refused = await restPostMessage("limits-8", {
      type: "mcp",
      payload: { jsonrpc: "2.0", id, result: { content: [{ type: "text", text: "t".repeat(40_000) }] } },
    });
    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatchObject({ code: "payload_too_large" });
    expect(refused.body.error?.message).toMatch(/device frame of \d+\+ bytes is over the 32768-byte limit/);
    const call = await pending;
    expect(call.body).toMatchObject({ success: false, error: { code: "tool_error" } });
    expect((await deviceListing("limits-8")).report?.status).toBe("ok");
  });
});
