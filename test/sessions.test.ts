/**
 * @module test/sessions.test
 * Session binding through the REST API: bind, read, unbind, idempotency, tenant isolation,
 * surviving eviction, and idle expiry by the Durable Object's alarm.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { restBind, restExecute, restGetSession, restListTools, restUnbind } from "./api";
import { EXPIRY_WARNING_MS } from "../durable-objects/session-alarm";
import { TENANT_B_KEY } from "./keys";
import { sessionObject } from "./session-object";

const DAY_MS = 24 * 3600 * 1000;

describe("bind", () => {
  it("creates a session and answers success with its view, without the token", async () => {
    const body = await restBind("bind-1", { vision_url: "https://gw.example.com/api/vision", token: "secret-token" });
    expect(body).toMatchObject({
      success: true,
      created: true,
      message: "session bound",
      session: {
        session_id: "bind-1",
        device_id: "AA:BB:CC:DD:EE:FF",
        client_id: "client-1",
        vision_url: "https://gw.example.com/api/vision",
        has_token: true,
      },
    });
    expect(JSON.stringify(body)).not.toContain("secret-token");
  });

  it("binding again updates the binding and keeps its creation time", async () => {
    const first = await restBind("bind-2", { token: "t1" });
    const second = await restBind("bind-2", { device_id: "11:22:33:44:55:66", client_id: "client-2" });
    expect(second.created).toBe(false);
    expect(second.message).toBe("session binding updated");
    expect(second.session.bound_at).toBe(first.session.bound_at);

    const read = await restGetSession("bind-2");
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      device_id: "11:22:33:44:55:66",
      client_id: "client-2",
      has_token: false,
      vision_url: null,
    });
  });

  it("keeps exactly one binding row however often it is bound", async () => {
    for (let i = 0; i < 3; i++) await restBind("bind-3", { client_id: `client-${i}` });
    const rows = await runInDurableObject(sessionObject("bind-3"), (_instance, state) =>
      state.storage.sql.exec("SELECT client_id FROM session_binding").toArray(),
    );
    expect(rows).toEqual([{ client_id: "client-2" }]);
  });
});

describe("read and unbind", () => {
  it("GET shows the binding, its timestamps and its tool sources", async () => {
    await restBind("read-1");
    const res = await restGetSession("read-1");
    expect(res.status).toBe(200);
    if (!res.body.tools) throw new Error("GET session answered without its tools");
    const { count, sources } = res.body.tools;
    expect(sources).toContainEqual({ source: "local", kind: "local", status: "ok", tool_count: 6 });
    // Without a relay the device's tools are reported unavailable, not as an empty list.
    expect(sources).toContainEqual({
      source: "device",
      kind: "device",
      status: "unavailable",
      tool_count: 0,
      error: "no device relay is open: the gateway opens one when the device connects",
    });
    expect(count).toBe(sources.reduce((sum, s) => sum + s.tool_count, 0));
    const expires = Date.parse(res.body.expires_at) - Date.parse(res.body.last_used_at);
    expect(expires).toBe(DAY_MS);
    expect(res.body).not.toHaveProperty("token");
  });

  it("an unknown session is a 404", async () => {
    const res = await restGetSession("never-bound");
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe("session_not_found");
  });

  it("DELETE forgets the session and everything it holds", async () => {
    await restBind("unbind-1");
    const res = await restUnbind("unbind-1");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, message: "session unbound" });

    expect((await restGetSession("unbind-1")).status).toBe(404);
    expect((await restListTools("unbind-1")).status).toBe(404);
    expect((await restExecute("unbind-1", "local_get_time")).status).toBe(404);
    const stored = await runInDurableObject(sessionObject("unbind-1"), async (_i, state) => ({
      tables: state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")
        .toArray(),
      alarm: await state.storage.getAlarm(),
    }));
    expect(stored).toEqual({ tables: [], alarm: null });
  });

  it("DELETE of an unknown session is a 404", async () => {
    const res = await restUnbind("never-bound-2");
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe("session_not_found");
  });

  it("a session can be bound again after unbinding", async () => {
    await restBind("rebind-1");
    await restUnbind("rebind-1");
    const again = await restBind("rebind-1");
    expect(again.created).toBe(true);
  });
});

describe("tenant isolation", () => {
  it("tenant B cannot see, list, execute in or unbind tenant A's session", async () => {
    await restBind("shared-id", { device_id: "tenant-a-device" });

    expect((await restGetSession("shared-id", { key: TENANT_B_KEY })).status).toBe(404);
    expect((await restListTools("shared-id", { key: TENANT_B_KEY })).status).toBe(404);
    expect((await restExecute("shared-id", "local_get_time", {}, { key: TENANT_B_KEY })).status).toBe(404);
    expect((await restUnbind("shared-id", { key: TENANT_B_KEY })).status).toBe(404);

    // B binding the same id makes B's own session; A's is untouched.
    await restBind("shared-id", { device_id: "tenant-b-device" }, { key: TENANT_B_KEY });
    const a = await restGetSession("shared-id");
    const b = await restGetSession("shared-id", { key: TENANT_B_KEY });
    expect(a.body.device_id).toBe("tenant-a-device");
    expect(b.body.device_id).toBe("tenant-b-device");
  });
});

describe("durability", () => {
  it("a bound session survives eviction of its Durable Object", async () => {
    await restBind("evict-1", { token: "kept" });
    const stub = sessionObject("evict-1");
    await evictDurableObject(stub);
    const res = await restGetSession("evict-1");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ session_id: "evict-1", has_token: true });
    expect((await restExecute("evict-1", "local_get_time")).body.success).toBe(true);
  });

  it("looking up an unknown session writes nothing", async () => {
    await restGetSession("ghost");
    const tables = await runInDurableObject(sessionObject("ghost"), (_i, state) =>
      state.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\'")
        .toArray(),
    );
    expect(tables).toEqual([]);
  });
});

describe("idle expiry", () => {
  it("binding sets the alarm one idle TTL ahead, less the expiry warning", async () => {
    const before = Date.now();
    await restBind("alarm-1");
    const alarm = await runInDurableObject(sessionObject("alarm-1"), (_i, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThanOrEqual(before + DAY_MS - EXPIRY_WARNING_MS);
    expect(alarm).toBeLessThanOrEqual(Date.now() + DAY_MS - EXPIRY_WARNING_MS);
  });

  it("the alarm deletes a session idle past its TTL, which then answers 404", async () => {
    await restBind("expire-1");
    const stub = sessionObject("expire-1");
    await runInDurableObject(stub, async (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", Date.now() - DAY_MS - 1000);
    });
    await evictDurableObject(stub); // drop the in-memory binding so the alarm reads storage
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const res = await restGetSession("expire-1");
    expect(res.status).toBe(404);
    expect(res.body.error?.code).toBe("session_not_found");
  });

  it("the alarm keeps a session used within its TTL and re-arms for its new expiry", async () => {
    await restBind("expire-2");
    const stub = sessionObject("expire-2");
    const usedAt = Date.now() - 3600 * 1000;
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", usedAt);
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    expect((await restGetSession("expire-2")).status).toBe(200);
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now());
  });

  it("a rejected request does not count as use", async () => {
    await restBind("expire-4", { device_id: "bound-device" });
    const stub = sessionObject("expire-4");
    const stale = Date.now() - 2 * 3600 * 1000;
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", stale);
    });
    await evictDurableObject(stub);
    const wrongDevice = await restExecute("expire-4", "local_get_time", {}, { deviceId: "another-device" });
    expect(wrongDevice.status).toBe(409);
    expect((await restExecute("expire-4", "no_such_tool")).status).toBe(404);
    const lastUsed = await runInDurableObject(
      stub,
      (_i, state) =>
        state.storage.sql.exec<{ last_used_at: number }>("SELECT last_used_at FROM session_binding").one().last_used_at,
    );
    expect(lastUsed).toBe(stale);
  });

  it("use moves the expiry forward", async () => {
    await restBind("expire-3");
    const stub = sessionObject("expire-3");
    const stale = Date.now() - 2 * 3600 * 1000;
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", stale);
    });
    await evictDurableObject(stub);
    await restExecute("expire-3", "local_get_time");
    const { lastUsed, alarm } = await runInDurableObject(stub, async (_i, state) => ({
      lastUsed: state.storage.sql.exec<{ last_used_at: number }>("SELECT last_used_at FROM session_binding").one().last_used_at,
      alarm: await state.storage.getAlarm(),
    }));
    expect(lastUsed).toBeGreaterThan(stale + 3600 * 1000);
    expect(alarm).toBe(lastUsed + DAY_MS - EXPIRY_WARNING_MS);
  });
});
