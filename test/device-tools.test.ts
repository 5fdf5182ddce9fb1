/**
 * @module test/device-tools.test
 * Calling the device's tools through the relay: the result of each default tool, the device's errors,
 * argument coercion, concurrent calls answered out of order, timeouts, notifications, malformed frames.
 */
import { describe, expect, it } from "vitest";
import { handlerCall, restBind, restExecute, restGetSession, resultText } from "./api";
import { openRelay, untilDeviceReady } from "./device-gateway";
import { DeviceSimulator, type SimTool } from "./device-simulator";
import { pollUntil } from "./poll";

const SECRET = "gateway-server-secret";

const echo: SimTool = {
  name: "self.echo",
  description: "Echoes its text.",
  properties: { text: { type: "string" } },
  run: ({ text }) => text as string,
};

const light: SimTool = {
  name: "self.light.set",
  description: "Switches the light.",
  properties: { on: { type: "boolean" }, color: { type: "string" }, level: { type: "integer", default: 3 } },
  run: ({ on, color, level }) => ({ on, color, level }),
};

/** A bound session with a ready relay to a fresh simulated device. */
async function connectedDevice(sessionId: string, options: ConstructorParameters<typeof DeviceSimulator>[0] = {}) {
  await restBind(sessionId, { vision_url: "https://gw.example.com/api/vision", token: SECRET });
  const device = new DeviceSimulator({ visionSecret: SECRET, ...options });
  const relay = await openRelay(sessionId, device);
  await untilDeviceReady(sessionId);
  return { device, relay };
}

describe("the default device tools", () => {
  it("answer as xiaozhi-server-go converts them: text for the LLM, take_photo to its handler", async () => {
    const { device } = await connectedDevice("tools-1");

    const status = await restExecute("tools-1", "self_get_device_status");
    expect(status.body).toMatchObject({ success: true, action: "req_llm", response: null });
    expect(JSON.parse(resultText(status.body))).toMatchObject({ audio_speaker: { volume: 50 } });

    expect((await restExecute("tools-1", "self_audio_speaker_set_volume", { volume: 70 })).body).toEqual({
      success: true,
      action: "req_llm",
      result: "true",
      response: null,
    });
    expect(device.volume).toBe(70);

    expect((await restExecute("tools-1", "self_screen_set_brightness", { brightness: 10 })).body.result).toBe("true");
    expect(device.brightness).toBe(10);

    expect((await restExecute("tools-1", "self_screen_set_theme", { theme: "dark" })).body.result).toBe("true");
    expect((await restExecute("tools-1", "self_screen_set_theme", { theme: "neon" })).body.result).toBe("false");
    expect(device.theme).toBe("dark");

    const photo = await restExecute("tools-1", "self_camera_take_photo", { question: "桌上有什么？" });
    expect(photo.body).toMatchObject({ success: true, action: "call_handler", response: null });
    expect(handlerCall(photo.body).func_name).toBe("mcp_handler_take_photo");
    expect(JSON.parse(String(handlerCall(photo.body).args))).toEqual({
      success: true,
      result: "照片里有一只猫（问题：桌上有什么？）",
    });

    const calls = device.requests("tools/call");
    expect(calls.map((c) => (c.params as { name: string }).name)).toContain("self.camera.take_photo");
  }, 15_000); // the first relay of the file pays for the handshake and the first listing of every server
});

describe("device errors", () => {
  it("become failed results carrying the device's message (errors without code)", async () => {
    const { device } = await connectedDevice("errors-1", { boardTools: [echo] });

    // (Arguments outside the tool's schema never reach the device: see argument-validation.test.ts.)
    const before = await restExecute("errors-1", "self_echo", { text: "hi" });
    expect(before.body).toMatchObject({ success: true, result: "hi" });

    // The device dropped a tool since it listed it.
    device.tools = device.tools.filter((t) => t.name !== "self.echo");
    const gone = await restExecute("errors-1", "self_echo", { text: "hi" });
    expect(gone.body.error).toEqual({ code: "tool_error", message: "Unknown tool: self.echo" });

    // A take_photo whose vision endpoint refuses the token.
    await restBind("errors-2", { vision_url: "https://gw.example.com/api/vision", token: "not-the-gateway-secret" });
    const other = new DeviceSimulator({ visionSecret: SECRET });
    await openRelay("errors-2", other);
    await untilDeviceReady("errors-2");
    const refused = await restExecute("errors-2", "self_camera_take_photo", { question: "?" });
    expect(refused.body).toMatchObject({ success: false, error: { code: "tool_error", message: "Failed to upload photo" } });
  });

  it("keep their code in the details when a firmware sends one", async () => {
    const { relay, device } = await connectedDevice("errors-3");
    device.holdCalls = true;
    const pending = restExecute("errors-3", "self_get_device_status");
    const [id] = await pollUntil(
      () => device.heldCallIds(),
      (ids) => ids.length === 1,
      "the call",
    );
    relay.ws.send(
      JSON.stringify({ type: "mcp", payload: { jsonrpc: "2.0", id, error: { code: -32601, message: "Tool not found" } } }),
    );
    expect((await pending).body.error).toEqual({
      code: "tool_error",
      message: "Tool not found",
      details: { device_code: -32601 },
    });
  });
});

describe("arguments", () => {
  it("are coerced to the schema's types before they reach the device", async () => {
    const { device } = await connectedDevice("args-1", { boardTools: [light] });

    const volume = await restExecute("args-1", "self_audio_speaker_set_volume", { volume: "35" });
    expect(volume.body).toMatchObject({ success: true, result: "true" });
    expect(device.volume).toBe(35);

    const switched = await restExecute("args-1", "self_light_set", { on: "true", color: 7, level: "5.4" });
    expect(JSON.parse(resultText(switched.body))).toEqual({ on: true, color: "7", level: 5 });
    const sent = device.requests("tools/call").at(-1)?.params as { arguments: Record<string, unknown> };
    expect(sent.arguments).toEqual({ on: true, color: "7", level: 5 });
  });
});

describe("concurrency and timeouts", () => {
  it("concurrent calls answered out of order each get their own reply", async () => {
    const { device } = await connectedDevice("conc-1", { boardTools: [echo] });
    device.holdCalls = true;
    const calls = ["a", "b", "c", "d"].map((text) => restExecute("conc-1", "self_echo", { text }));
    await pollUntil(
      () => device.heldCallIds().length,
      (n) => n === 4,
      "all four calls to reach the device",
    );
    const ids = device.heldCallIds();
    expect(new Set(ids).size).toBe(4);
    await device.releaseCalls("reverse");
    const results = await Promise.all(calls);
    expect(results.map((r) => r.body.result)).toEqual(["a", "b", "c", "d"]);
  });

  it("a call the device does not answer in time fails with device_timeout; its late reply is dropped", async () => {
    const { device } = await connectedDevice("timeout-1", { boardTools: [echo] });
    device.holdCalls = true;
    const timedOut = await restExecute("timeout-1", "self_echo", { text: "slow" }, { timeoutMs: 100 });
    expect(timedOut.body).toMatchObject({ success: false, action: "error", error: { code: "device_timeout" } });
    expect(timedOut.body.error?.message).toMatch(/self\.echo within 100 ms/);

    device.holdCalls = false;
    await device.releaseCalls();
    const next = await restExecute("timeout-1", "self_echo", { text: "fast" }, { timeoutMs: 5_000 });
    expect(next.body).toMatchObject({ success: true, result: "fast" });
  });
});

describe("frames from the device", () => {
  it("notifications are recorded in the session and never answered", async () => {
    const { device } = await connectedDevice("notify-1");
    const sentBefore = device.received.length;
    device.notify("notifications/state_changed", { oldState: "idle", newState: "listening" });
    const { body: view } = await pollUntil(
      () => restGetSession("notify-1"),
      (session) => session.body.device.last_notification !== null,
      "the notification to be recorded",
    );
    expect(view.device.last_notification).toMatchObject({
      method: "notifications/state_changed",
      params: { oldState: "idle", newState: "listening" },
    });
    expect(Date.parse(view.device.last_notification?.received_at ?? "")).not.toBeNaN();
    // A call afterwards is the next thing the device receives: nothing answered the notification.
    await restExecute("notify-1", "self_get_device_status");
    expect(device.received.slice(sentBefore).map((p) => p.method)).toEqual(["tools/call"]);
  });

  it("malformed frames are dropped and the relay keeps working", async () => {
    const { relay, device } = await connectedDevice("bad-1", { boardTools: [echo] });
    relay.ws.send("this is not JSON");
    relay.ws.send(new Uint8Array([1, 2, 3]));
    relay.ws.send(JSON.stringify({ type: "hello", transport: "websocket" }));
    relay.ws.send(JSON.stringify({ type: "mcp", payload: { jsonrpc: "2.0", id: "1", result: {} } }));
    relay.ws.send(JSON.stringify({ type: "mcp", payload: { jsonrpc: "1.0", id: 1, result: {} } }));
    relay.ws.send(JSON.stringify({ type: "mcp", payload: { jsonrpc: "2.0", id: 123456, result: {} } }));
    relay.ws.send(JSON.stringify({ type: "mcp", payload: [] }));
    const res = await restExecute("bad-1", "self_echo", { text: "still here" });
    expect(res.body).toMatchObject({ success: true, result: "still here" });
    expect((await restGetSession("bad-1")).body.device).toMatchObject({ relay: "open", tools_status: "ok" });
    expect(device.requests("tools/call")).toHaveLength(1);
  });
});
