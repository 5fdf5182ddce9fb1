/**
 * @module test/mcp-notifications.test
 * What an MCP client hears besides answers, and what the endpoints refuse before serving: list_changed when the
 * device relay lists its tools (the v1 SDK client's GET stream; a raw `subscriptions/listen` of 2026-07-28), the
 * tool's progress for a call that asked for it, the device's declared tool fields, the GET stream's own checks,
 * the JSON depth rule on MCP bodies, and DELETE on a session's endpoint.
 */
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { afterEach, describe, expect, it } from "vitest";
import { restBind, restListTools } from "./api";
import { openRelay, untilDeviceReady } from "./device-gateway";
import { DeviceSimulator, type SimTool } from "./device-simulator";
import { EventListener } from "./event-stream";
import { auth, closeClients, legacyClient, modernClient, modernPost, sessionEndpoint, workerFetch } from "./mcp-clients";
import { pollUntil } from "./poll";

afterEach(closeClients);

const LONG = "mcp_everything_trigger-long-running-operation";

/** A board tool whose listing declares more than the firmware's fields. */
const THERMOSTAT: SimTool = {
  name: "self.board.thermostat",
  description: "Reads the room temperature",
  declared: {
    title: "Thermostat",
    annotations: { readOnlyHint: true },
    outputSchema: { type: "object", properties: { celsius: { type: "number" } } },
  },
  run: () => ({ celsius: 21 }),
};

/** Binds `sessionId` and lists its tools once, so the sources' counts are settled before anyone listens. */
async function settledSession(sessionId: string): Promise<void> {
  await restBind(sessionId);
  await restListTools(sessionId);
}

describe("notifications/tools/list_changed", () => {
  it("reaches a 2025-era SDK client on its GET stream when the device relay lists its tools", async () => {
    await settledSession("mcpn-device");
    let streamOpened: (status: number) => void = () => undefined;
    const opened = new Promise<number>((resolve) => (streamOpened = resolve));
    const watching = async (url: string | URL | Request, init?: RequestInit) => {
      const res = await workerFetch(url, init);
      if (init?.method === "GET") streamOpened(res.status);
      return res;
    };
    const { client } = await legacyClient(sessionEndpoint("mcpn-device"), { fetch: watching });
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      changes++;
    });
    expect(await opened).toBe(200);
    expect((await client.listTools()).tools.some((t) => t.name.startsWith("self_"))).toBe(false);
    expect(changes).toBe(0);

    await openRelay("mcpn-device", new DeviceSimulator({ boardTools: [THERMOSTAT] }));
    await untilDeviceReady("mcpn-device");
    await pollUntil(
      () => changes,
      (n) => n > 0,
      "list_changed on the GET stream",
    );
    const { tools } = await client.listTools();
    const thermostat = tools.find((t) => t.name === "self_board_thermostat");
    // The device's declared fields ride along, as an external server's do.
    expect(thermostat).toMatchObject({
      title: "Thermostat",
      annotations: { readOnlyHint: true },
      outputSchema: { type: "object", properties: { celsius: { type: "number" } } },
    });
  }, 20_000);

  it("reaches a 2026-07-28 subscriptions/listen stream, which ends when the session does", async () => {
    await settledSession("mcpn-listen");
    const res = await modernPost(sessionEndpoint("mcpn-listen"), "subscriptions/listen", {
      notifications: { toolsListChanged: true },
    });
    const stream = await EventListener.of(res, "subscriptions/listen");
    expect((await stream.next())?.data).toMatchObject({
      method: "notifications/subscriptions/acknowledged",
      params: { notifications: { toolsListChanged: true } },
    });
    await openRelay("mcpn-listen", new DeviceSimulator());
    const changed = await stream.next();
    expect(changed?.data).toMatchObject({ method: "notifications/tools/list_changed" });
    await workerFetch("http://service.test/api/v1/mcp/sessions/mcpn-listen", { method: "DELETE", ...auth() });
    const last = await stream.until((event) => (event.data as { id?: unknown }).id !== undefined);
    expect(last.at(-1)?.data).toMatchObject({ result: { resultType: "complete" } });
  }, 20_000);

  it("the GET stream needs Accept: text/event-stream (406), a bound session (404) and a valid Last-Event-ID (400)", async () => {
    await settledSession("mcpn-get");
    const get = (sessionId: string, headers: Record<string, string>) =>
      workerFetch(sessionEndpoint(sessionId), { headers: { ...auth().headers, ...headers } });
    expect((await get("mcpn-get", { Accept: "application/json" })).status).toBe(406);
    expect((await get("mcpn-never-bound", { Accept: "text/event-stream" })).status).toBe(404);
    const bad = await get("mcpn-get", { Accept: "text/event-stream", "Last-Event-ID": "yesterday" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "invalid_request" } });
  });
});

describe("progress of a running call", () => {
  it("reaches the 2025-era client that asked for it, as notifications/progress", async () => {
    await settledSession("mcpn-progress");
    const { client } = await legacyClient(sessionEndpoint("mcpn-progress"));
    const seen: Array<{ progress: number; total?: number }> = [];
    const result = await client.callTool({ name: LONG, arguments: { duration: 1, steps: 3 } }, undefined, {
      onprogress: (progress) => seen.push(progress),
    });
    expect(result.isError).toBeFalsy();
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toMatchObject({ progress: 1, total: 3 });
  });

  it("reaches a 2026-07-28 client too", async () => {
    await settledSession("mcpn-progress-26");
    const client = await modernClient(sessionEndpoint("mcpn-progress-26"));
    const seen: number[] = [];
    await client.callTool({ name: LONG, arguments: { duration: 1, steps: 2 } }, { onprogress: (p) => seen.push(p.progress) });
    expect(seen).toContain(1);
  });
});

describe("the MCP endpoints refuse before serving", () => {
  it("a body nested deeper than 64 levels: 400 invalid_request naming the rule", async () => {
    await settledSession("mcpn-deep");
    let deep: unknown = "bottom";
    for (let i = 0; i < 70; i++) deep = { deeper: deep };
    const res = await workerFetch(sessionEndpoint("mcpn-deep"), {
      method: "POST",
      headers: { ...auth().headers, "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "local_get_time", arguments: deep } }),
    });
    expect(res.status).toBe(400);
    const body = await res.json<{ error: { code: string; message: string } }>();
    expect(body.error.code).toBe("invalid_request");
    expect(body.error.message).toContain("nest deeper than 64 levels");
  });

  it("DELETE on a session's endpoint: 405 with Allow, and the session stays bound", async () => {
    await settledSession("mcpn-delete");
    const res = await workerFetch(sessionEndpoint("mcpn-delete"), { method: "DELETE", ...auth() });
    expect(res.status).toBe(405);
    expect(res.headers.get("Allow")).toBe("GET, POST");
    expect((await restListTools("mcpn-delete")).status).toBe(200);
  });
});
