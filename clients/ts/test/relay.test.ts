/**
 * A relay round trip: the test suite's firmware simulator (test/device-simulator.ts) behind the client's relay,
 * as a gateway pipes a device's frames. The service initializes the device and lists its tools; a device tool
 * runs on the device; a held call times out at the service (timeout_ms); closing the relay takes the tools away.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DeviceSimulator } from "../../../test/device-simulator.ts";
import { ServiceClient, isMcpFrame } from "../src/index.ts";
import { SERVICE_KEY, SERVICE_URL, sessionId } from "./env.ts";

const client = new ServiceClient({ baseUrl: SERVICE_URL, apiKey: SERVICE_KEY });

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the device relay", () => {
  it("pipes the device's MCP frames: its tools are listed and run on the device", async () => {
    const sid = sessionId("relay");
    const deviceId = "AA:BB:CC:DD:EE:10";
    await client.bindSession(sid, { deviceId, clientId: "client-10" });
    const device = new DeviceSimulator({ deviceId });
    const relay = await client.openRelay(sid, { toDevice: (frame) => device.receive(frame) });
    // The gateway's side of the device's socket: the device's frames go to the relay.
    device.connect((frame) => assert.ok(relay.fromDevice(frame), "an mcp frame is forwarded"));
    assert.equal(relay.fromDevice('{"type":"listen","state":"start"}'), false, "only mcp frames go to the relay");
    assert.equal(isMcpFrame('{"type":"mcp","payload":{}}'), true);

    const tools = await until("the device's tools", async () => {
      const listing = await client.getTools(sid);
      return listing.sources.some((s) => s.source === "device" && s.status === "ok") ? listing.tools : undefined;
    });
    const volume = tools.find((t) => t.name === "self_audio_speaker_set_volume");
    assert.equal(volume?.original_name, "self.audio_speaker.set_volume");
    assert.equal(volume?.source, "device");
    assert.equal(device.requests("initialize").length, 1);

    const set = await client.executeTool(sid, "self_audio_speaker_set_volume", { volume: "35" }, { deviceId });
    assert.equal(set.success, true, JSON.stringify(set));
    assert.equal(set.action, "req_llm");
    assert.equal(set.result, "true");
    assert.equal(device.volume, 35);
    const call = device.requests("tools/call").at(-1);
    assert.deepEqual(call?.params, { name: "self.audio_speaker.set_volume", arguments: { volume: 35 } });

    // Arguments outside the tool's schema are refused by the service, naming the field; the device never sees them.
    const callsBefore = device.requests("tools/call").length;
    const tooLoud = await client.executeTool(sid, "self_audio_speaker_set_volume", { volume: 101 });
    assert.equal(tooLoud.success, false);
    assert.equal(tooLoud.error?.code, "invalid_arguments");
    assert.match(tooLoud.error?.message ?? "", /arguments\.volume/);
    assert.equal(device.requests("tools/call").length, callsBefore);

    device.holdCalls = true;
    const started = Date.now();
    const late = await client.executeTool(sid, "self_get_device_status", {}, { timeoutMs: 300 });
    assert.equal(late.error?.code, "device_timeout", JSON.stringify(late));
    assert.ok(Date.now() - started < 5000);
    device.holdCalls = false;
    await device.releaseCalls();

    assert.equal((await client.getSession(sid)).device.relay, "open");
    const closing = Date.now();
    await relay.close();
    assert.ok(Date.now() - closing < 2000, "closing does not wait for the handshake");
    assert.equal(relay.isOpen, false);
    const gone = await until("the device tools to go", async () => {
      const view = await client.getSession(sid);
      return view.device.relay === "closed" ? view : undefined;
    });
    assert.equal(gone.device.tools_status, "unavailable");
    await client.unbind(sid);
  });

  it("is closed by the service (4001) when the session is unbound", async () => {
    const sid = sessionId("relay-unbind");
    await client.bindSession(sid, { deviceId: "AA:BB:CC:DD:EE:11", clientId: "c" });
    const codes: number[] = [];
    const relay = await client.openRelay(sid, { toDevice: () => {}, onClose: (code) => codes.push(code) });
    await client.unbind(sid);
    const { code, reason } = await relay.closed;
    assert.equal(code, 4001);
    assert.equal(reason, "session unbound");
    assert.deepEqual(codes, [4001]);
  });

  it("refuses to open for a session never bound", async () => {
    await assert.rejects(client.openRelay(sessionId("relay-none"), { toDevice: () => {} }), { name: "ServiceError" });
  });
});
