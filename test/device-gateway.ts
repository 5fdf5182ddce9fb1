/**
 * @module test/device-gateway
 * The gateway's side of the device relay, for tests: opens the relay through the Worker's public surface and
 * pipes frames between it and a {@link DeviceSimulator}, as a gateway pipes them to the device's WebSocket.
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { okBody, restListTools, restPostMessage, type ToolsBody } from "./api";
import type { DeviceSimulator } from "./device-simulator";
import { TENANT_A_KEY } from "./keys";
import { pollUntil } from "./poll";

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
      void restPostMessage(sessionId, JSON.parse(frame));
    });
  } else {
    device.connect((frame) => ws.send(frame));
  }
  return { ws, closed };
}

/** What a session lists of the device: its source report, its tools, and every source's tools. */
export interface DeviceListing {
  report: ToolsBody["sources"][number] | undefined;
  tools: ToolsBody["tools"];
  all: ToolsBody["tools"];
}

/** The session's tools and the `device` source's report. */
export async function deviceListing(sessionId: string): Promise<DeviceListing> {
  const body = okBody(await restListTools(sessionId));
  const report = body.sources.find((s) => s.source === "device");
  const tools = body.tools.filter((t) => t.source === "device");
  return { report, tools, all: body.tools };
}

/** Waits until the device's tool list is complete (the relay's handshake is done). */
export function untilDeviceReady(sessionId: string): Promise<DeviceListing> {
  return untilDeviceListing(sessionId, "ok");
}

/** Waits until the device source reports `status`. */
export function untilDeviceListing(sessionId: string, status: string): Promise<DeviceListing> {
  return pollUntil(
    () => deviceListing(sessionId),
    (listing) => listing.report?.status === status,
    `the device tools of ${sessionId} to be ${status}`,
  );
}
