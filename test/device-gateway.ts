/**
 * The gateway's side of the device relay, for tests: opens the relay through the Worker's public surface and
 * pipes frames between it and a {@link DeviceSimulator}, as a gateway pipes them to the device's WebSocket.
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { DeviceSimulator } from "./device-simulator";
import { api } from "./helpers";
import { TENANT_A_KEY } from "./keys";

export interface Relay {
  ws: WebSocket;
  /** Resolves with the close the service sent (or the runtime reported). */
  closed: Promise<{ code: number; reason: string }>;
}

/** `GET .../relay` with `Upgrade: websocket`; returns the raw response (for the failure cases). */
export function requestRelay(sessionId: string, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`http://service.test/api/v1/mcp/sessions/${sessionId}/relay`, {
    headers: { Upgrade: "websocket", Authorization: `Bearer ${TENANT_A_KEY}`, ...headers },
  });
}

/**
 * Opens the relay of `sessionId` and connects `device` to it. With `deviceReplies: "http"`, the device's frames
 * are delivered with `POST .../messages` instead of on the relay.
 */
export async function openRelay(
  sessionId: string,
  device: DeviceSimulator,
  options: { deviceReplies?: "relay" | "http" } = {},
): Promise<Relay> {
  const res = await requestRelay(sessionId);
  expect(res.status).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error("no WebSocket in the 101 response");
  ws.accept();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  ws.addEventListener("message", (event) => {
    void device.receive(String(event.data));
  });
  if (options.deviceReplies === "http") {
    device.connect((frame) => {
      void postMessage(sessionId, JSON.parse(frame));
    });
  } else {
    device.connect((frame) => ws.send(frame));
  }
  return { ws, closed };
}

/** `POST .../messages` with one device frame. */
export function postMessage(sessionId: string, frame: unknown) {
  return api(`/api/v1/mcp/sessions/${sessionId}/messages`, { body: frame });
}

/** The session's tools and the `device` source's report. */
export async function deviceListing(sessionId: string) {
  const res = await api(`/api/v1/mcp/tools?session_id=${sessionId}`);
  expect(res.status).toBe(200);
  const report = res.body.sources.find((s: { source: string }) => s.source === "device");
  const tools = res.body.tools.filter((t: { source: string }) => t.source === "device");
  return { report, tools, all: res.body.tools };
}

/** Waits until the device's tool list is complete (the relay's handshake is done). */
export async function untilDeviceReady(sessionId: string) {
  return until(async () => {
    const listing = await deviceListing(sessionId);
    return listing.report.status === "ok" ? listing : undefined;
  }, `the device tools of ${sessionId} to be listed`);
}

/** Executes a tool with an optional `timeout_ms`. */
export function executeTool(sessionId: string, tool: string, args: Record<string, unknown> = {}, timeoutMs?: number) {
  const body: Record<string, unknown> = { session_id: sessionId, arguments: args };
  if (timeoutMs !== undefined) body.timeout_ms = timeoutMs;
  return api(`/api/v1/mcp/tools/${tool}/execute`, { body });
}

/** Polls `check` until it returns a value (not undefined/false); fails after a few seconds. */
export async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}
