/**
 * @module test/session-events.test
 * The session's events stream (`GET .../events`): who may listen, each kind as the session lives (bind, the
 * device relay opened, replaced and closed, unbind, the idle expiry and its warning), reconnecting with
 * `Last-Event-ID` (nothing lost within the window, `events_lost` past it) and the window's bounds.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SessionSchema } from "../durable-objects/session-schema";
import { SqlEventLog } from "../durable-objects/event-storage";
import { Sql } from "../durable-objects/sql";
import { EVENT_WINDOW_COUNT } from "../src/contract/events";
import { Logger } from "../src/observability/log";
import { type ErrorBody, restBind, restExecute, restGetSession, restUnbind } from "./api";
import { openRelay } from "./device-gateway";
import { DeviceSimulator } from "./device-simulator";
import { EventListener, requestEvents, type SseEvent } from "./event-stream";
import { TENANT_B_KEY } from "./keys";
import { anyNumber, stringContaining } from "./matchers";
import { sessionObject } from "./session-object";
import { upstream } from "./upstreams/control";

const DAY_MS = 24 * 3600 * 1000;

/** The device's events once a relay is open and its tools are listed. */
async function untilDeviceTools(listener: EventListener): Promise<SseEvent[]> {
  return listener.until((e) => e.event === "tools_changed" && (e.data as { source: string }).source === "device");
}

async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = await res.json<ErrorBody>();
  return { status: res.status, code: body.error.code, message: body.error.message };
}

describe("who may listen", () => {
  it("a bound session of the key's tenant, with a valid Last-Event-ID", async () => {
    await restBind("ev-auth");

    expect(await errorOf(await requestEvents("never-bound"))).toMatchObject({ status: 404, code: "session_not_found" });
    expect((await restGetSession("never-bound")).status).toBe(404);
    const otherTenant = await requestEvents("ev-auth", { key: TENANT_B_KEY });
    expect(await errorOf(otherTenant)).toMatchObject({ status: 404, code: "session_not_found" });
    expect((await requestEvents("ev-auth", { key: "nobody" })).status).toBe(401);
    expect((await requestEvents("bad id!")).status).toBe(400);

    const badHeader = await errorOf(await requestEvents("ev-auth", { lastEventId: "yesterday" }));
    expect(badHeader).toMatchObject({ status: 400, code: "invalid_request" });
    expect(badHeader.message).toContain("last-event-id");
    const badQuery = await errorOf(await requestEvents("ev-auth", { query: "last_event_id=-1" }));
    expect(badQuery).toMatchObject({ status: 400, code: "invalid_request" });
    expect(badQuery.message).toContain("last_event_id");
  });
});

describe("each kind", () => {
  it("bind, the relay opened, replaced and closed, and unbind", async () => {
    await restBind("ev-kinds");
    const listener = await EventListener.open("ev-kinds", { lastEventId: "0" });
    // The listing after bind: the local tools appear.
    const local = await listener.nextOf("tools_changed", (e) => (e.data as { source: string }).source === "local");
    expect(local.data).toMatchObject({ kind: "local", status: "ok", previous: 0 });
    expect((local.data as { count: number }).count).toBeGreaterThan(0);
    expect(listener.retry).toBeGreaterThan(0);

    const first = await openRelay("ev-kinds", new DeviceSimulator());
    const opened = await listener.nextOf("relay");
    expect(opened.data).toMatchObject({ state: "opened" });
    const relay = (opened.data as { relay: number }).relay;
    const deviceEvents = await untilDeviceTools(listener);
    const ready = deviceEvents.find((e) => e.event === "device_ready");
    expect(ready?.data).toMatchObject({ relay });
    expect((ready?.data as { tool_count: number }).tool_count).toBeGreaterThan(0);
    expect(deviceEvents.at(-1)?.data).toMatchObject({ source: "device", kind: "device", status: "ok", previous: 0 });

    // A new relay replaces the first: replaced, then opened, then the device lists its tools again.
    const second = await openRelay("ev-kinds", new DeviceSimulator());
    const replaced = await listener.until((e) => e.event === "device_ready");
    expect(replaced.filter((e) => e.event === "relay").map((e) => e.data)).toEqual([
      { state: "replaced", relay },
      { state: "opened", relay: anyNumber },
    ]);
    expect((await first.closed).code).toBe(4000);

    // The gateway closes the relay: closed, and the device's tools are gone.
    second.ws.close(1000, "device left");
    const closed = await listener.nextOf("relay");
    expect(closed.data).toMatchObject({ state: "closed", reason: stringContaining("device left") });
    const gone = await listener.nextOf("tools_changed", (e) => (e.data as { source: string }).source === "device");
    expect(gone.data).toMatchObject({ count: 0, status: "unavailable" });

    expect((await restUnbind("ev-kinds")).status).toBe(200);
    expect((await listener.nextOf("session_ended")).data).toEqual({ reason: "unbound" });
    expect(await listener.next()).toBeNull();
    expect((await requestEvents("ev-kinds")).status).toBe(404);
  });
});

describe("external servers", () => {
  it("a server's changed list is reported without anyone listing the tools", async () => {
    await restBind("ev-upstream");
    const listener = await EventListener.open("ev-upstream", { lastEventId: "0" });
    const isEverything = (e: SseEvent) => (e.data as { source: string }).source === "everything";
    const listed = await listener.nextOf("tools_changed", isEverything);
    // A call connects the server's notification stream; then the server adds a tool and says so.
    expect((await restExecute("ev-upstream", "mcp_everything_echo", { message: "hi" })).body.success).toBe(true);
    await upstream("stable").addTool("added_for_events");
    try {
      const changed = await listener.nextOf("tools_changed", isEverything);
      const count = (listed.data as { count: number }).count;
      expect(changed.data).toEqual({ source: "everything", kind: "external", status: "ok", count: count + 1, previous: count });
    } finally {
      await upstream("stable").removeTool("added_for_events");
      await listener.close();
    }
  });
});

describe("the idle expiry", () => {
  it("warns once before the session expires, then ends the stream when it does", async () => {
    await restBind("ev-expiry");
    const stub = sessionObject("ev-expiry");
    const listener = await EventListener.open("ev-expiry");
    // Unused for all but a minute of its day: within the warning, not yet expired.
    const usedAt = Date.now() - DAY_MS + 60_000;
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", usedAt);
    });
    await evictDurableObject(stub); // drop the in-memory binding so the alarm reads storage
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const expiring = await listener.nextOf("session_expiring");
    expect(expiring.data).toEqual({ expires_at: new Date(usedAt + DAY_MS).toISOString(), idle_ttl_seconds: 86400 });
    // The alarm now stands at the expiry itself.
    const alarm = await runInDurableObject(stub, (_i, state) => state.storage.getAlarm());
    expect(alarm).toBe(usedAt + DAY_MS);

    // Ringing again before the expiry warns no more; past it, the session ends.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    await runInDurableObject(stub, (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", Date.now() - DAY_MS - 1000);
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const rest = await listener.until((e) => e.event === "session_ended");
    expect(rest.map((e) => e.event)).toEqual(["session_ended"]);
    expect(rest[0]?.data).toEqual({ reason: "expired" });
    expect(await listener.next()).toBeNull();
  });
});

describe("reconnecting", () => {
  it("with Last-Event-ID, gets every event it missed, in order, once", async () => {
    await restBind("ev-resume");
    const before = await EventListener.open("ev-resume", { lastEventId: "0" });
    const seen = [await before.nextOf("tools_changed")];
    await before.close();

    // Meanwhile the device connects.
    await openRelay("ev-resume", new DeviceSimulator());
    const everything = await EventListener.open("ev-resume", { query: "last_event_id=0" });
    const all = await untilDeviceTools(everything);
    await everything.close();

    const resumed = await EventListener.open("ev-resume", { lastEventId: seen[0]?.id });
    const missed = await untilDeviceTools(resumed);
    expect([...seen, ...missed]).toEqual(all);
    const ids = all.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    expect(missed.map((e) => e.event)).toContain("device_ready");

    // The header wins over the query parameter.
    const both = await EventListener.open("ev-resume", { lastEventId: all.at(-2)?.id, query: "last_event_id=0" });
    expect(await both.next()).toEqual(all.at(-1));
    await both.close();
    await resumed.close();
  });

  it("past the window, is told events were lost, then carries on", async () => {
    await restBind("ev-lost");
    const first = await EventListener.open("ev-lost", { lastEventId: "0" });
    const lastSeen = await first.nextOf("tools_changed");
    await first.close();
    // Everything the session kept is now older than the window.
    await runInDurableObject(sessionObject("ev-lost"), (_i, state) => {
      state.storage.sql.exec("UPDATE session_event SET at = 0");
    });

    const listener = await EventListener.open("ev-lost", { lastEventId: lastSeen.id });
    await openRelay("ev-lost", new DeviceSimulator());
    const lost = await listener.next();
    expect(lost).toEqual({ event: "events_lost", data: { last_event_id: Number(lastSeen.id), oldest_event_id: null } });
    expect((await listener.next())?.data).toMatchObject({ state: "opened" });
    await listener.close();
  });

  it("the session keeps its last events only, and says which are gone", async () => {
    await restBind("ev-window");
    const replay = await runInDurableObject(sessionObject("ev-window"), (_i, state) => {
      const sql = new Sql(state.storage.sql, new Logger("info"));
      const log = new SqlEventLog(sql, new SessionSchema(sql));
      const now = Date.now();
      const ids = Array.from({ length: EVENT_WINDOW_COUNT + 50 }, (_, i) =>
        log.append("job", { job_id: `job-${i}`, status: "running" }, now),
      );
      const kept = state.storage.sql.exec("SELECT COUNT(*) AS n FROM session_event").one().n;
      return { ids, kept, fromStart: log.replay(0, now), fromKept: log.replay(ids.at(-EVENT_WINDOW_COUNT - 1) ?? 0, now) };
    });
    expect(replay.kept).toBe(EVENT_WINDOW_COUNT);
    expect(replay.fromStart.lost).toBe(true);
    expect(replay.fromStart.frames).toHaveLength(EVENT_WINDOW_COUNT);
    expect(replay.fromStart.oldest).toBe(replay.ids.at(-EVENT_WINDOW_COUNT));
    expect(replay.fromKept.lost).toBe(false);
    expect(replay.fromKept.frames.map((f) => f.id)).toEqual(replay.ids.slice(-EVENT_WINDOW_COUNT));
  });
});
