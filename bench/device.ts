/**
 * A simulated XiaoZhi device for the bench: the test suite's firmware simulator, connected through the relay
 * WebSocket the way a gateway pipes frames, answering every call at once.
 */
import { DeviceSimulator } from "../test/device-simulator.ts";

export interface ConnectedDevice {
  close(): void;
}

/** Opens the session's relay, pipes frames to and from a simulated device, and waits for its tools. */
export async function connectSimulatedDevice(baseUrl: string, sessionId: string, apiKey: string): Promise<ConnectedDevice> {
  const device = new DeviceSimulator();
  const relayUrl = `${baseUrl.replace(/^http/, "ws")}/api/v1/mcp/sessions/${sessionId}/relay`;
  // Node's WebSocket (undici) takes request headers as a non-standard option.
  const ws = new WebSocket(relayUrl, { headers: { Authorization: `Bearer ${apiKey}` } });
  ws.onmessage = (event) => void device.receive(String(event.data));
  device.connect((frame) => ws.send(frame));
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error(`could not open the relay at ${relayUrl}`));
  });
  await waitForDeviceTools(baseUrl, sessionId, apiKey);
  return { close: () => ws.close() };
}

async function waitForDeviceTools(baseUrl: string, sessionId: string, apiKey: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const res = await fetch(`${baseUrl}/api/v1/mcp/tools?session_id=${sessionId}`, {
      headers: { Authorization: `Bearer ${apiKey}` },
    });
    const body = (await res.json()) as { sources?: Array<{ source: string; status: string }> };
    if (body.sources?.some((s) => s.source === "device" && s.status === "ok")) return;
    if (Date.now() > deadline) throw new Error(`the simulated device's tools were not listed: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
