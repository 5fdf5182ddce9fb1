/**
 * A relay upgrade the runtime would refuse (RFC 6455: no `Sec-WebSocket-Key`, a version other than 13) is
 * answered by the Worker with the error shape before the session object sees it, so the live relay and the
 * device's handshake stay as they were.
 */
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DeviceSimulator } from "./device-simulator";
import { restBind, restExecute, restGetSession } from "./api";
import { openRelay, requestRelay, untilDeviceReady } from "./device-gateway";
import { TENANT_A_KEY } from "./keys";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

/** The relay request as it arrives from Cloudflare's edge: with `request.cf`, and only the given headers. */
function fromTheEdge(sessionId: string, headers: Record<string, string>): Promise<Response> {
  return exports.default.fetch(`http://service.test/api/v1/mcp/sessions/${sessionId}/relay`, {
    headers: { Authorization: `Bearer ${TENANT_A_KEY}`, Upgrade: "websocket", ...headers },
    cf: { colo: "AMS" },
  });
}

/** The session's `device` block (relay state, when it opened, the tool list's status). */
async function deviceState(sessionId: string): Promise<unknown> {
  const res = await restGetSession(sessionId);
  return res.body.device;
}

async function errorOf(res: Response) {
  return { status: res.status, body: await res.json<{ error: { code: string; message: string } }>() };
}

describe("a refused relay upgrade", () => {
  it("is answered 4xx with the error shape and leaves the live relay and its handshake untouched", async () => {
    await restBind("upgrade-1");
    const device = new DeviceSimulator();
    const relay = await openRelay("upgrade-1", device);
    await untilDeviceReady("upgrade-1");
    let closedWith: number | undefined;
    void relay.closed.then(({ code }) => (closedWith = code));
    const before = await deviceState("upgrade-1");

    const noKey = await errorOf(await requestRelay("upgrade-1", { "Sec-WebSocket-Version": "13" }));
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.code).toBe("invalid_request");
    expect(noKey.body.error.message).toMatch(/Sec-WebSocket-Key .*\(got none\)/);

    const badKey = await errorOf(await requestRelay("upgrade-1", { "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "x" }));
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.message).toMatch(/Sec-WebSocket-Key must be a base64-encoded 16-byte nonce \(got "x"\)/);

    const oldVersion = await requestRelay("upgrade-1", { "Sec-WebSocket-Version": "8", "Sec-WebSocket-Key": KEY });
    expect(oldVersion.headers.get("Sec-WebSocket-Version")).toBe("13");
    expect(await errorOf(oldVersion)).toEqual({
      status: 426,
      body: {
        error: {
          code: "upgrade_required",
          message: 'unsupported WebSocket version (got "8"): send Sec-WebSocket-Version: 13',
          request_id: oldVersion.headers.get("X-Request-Id"),
        },
      },
    });

    // From the edge, a bare `Upgrade: websocket` is a handshake without a version or a key.
    const bare = await fromTheEdge("upgrade-1", {});
    expect(bare.status).toBe(426);
    expect(bare.headers.get("Sec-WebSocket-Version")).toBe("13");
    const edgeNoKey = await errorOf(await fromTheEdge("upgrade-1", { "Sec-WebSocket-Version": "13" }));
    expect(edgeNoKey.status).toBe(400);

    // Nothing changed: the relay is open, the device was not re-initialised, and a device tool still answers.
    expect(closedWith).toBeUndefined();
    expect(relay.ws.readyState).toBe(WebSocket.OPEN);
    expect(await deviceState("upgrade-1")).toEqual(before);
    expect(device.requests("initialize")).toHaveLength(1);
    const call = await restExecute("upgrade-1", "self_audio_speaker_set_volume", { volume: 35 });
    expect(call.body).toMatchObject({ success: true, result: "true" });
    expect(device.volume).toBe(35);
    expect(closedWith).toBeUndefined();
  });

  it("a complete handshake from the edge is still accepted, and replaces the relay as before", async () => {
    await restBind("upgrade-2");
    const relay = await openRelay("upgrade-2", new DeviceSimulator());
    await untilDeviceReady("upgrade-2");

    const res = await fromTheEdge("upgrade-2", { "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": KEY });
    expect(res.status).toBe(101);
    res.webSocket?.accept();
    expect(await relay.closed).toMatchObject({ code: 4000 });
    res.webSocket?.close(1000, "done");
  });
});
