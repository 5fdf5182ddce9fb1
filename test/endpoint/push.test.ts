/**
 * @module test/endpoint/push.test
 * The sessions bound with an agent hear at once when its endpoint's tools change, with no listing call: a
 * server that finishes its handshake, re-lists on list_changed, closes, reconnects, or is revoked makes each
 * listening session's `tools_changed` go out. Registration follows the binding (bind, rebind to another agent
 * or none, unbind), stays within the tenant, and survives eviction of both objects.
 */
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { endpointObjectName } from "../../src/tools/endpoint/token";
import { okBody, restBind, restIssueEndpoint, restListTools, restRevokeEndpoint, restUnbind } from "../api";
import { connectPeer, echoTool, untilReady } from "../endpoint-peer";
import { EventListener } from "../event-stream";
import { TENANT_A_KEY, TENANT_B_KEY, TEST_API_KEYS } from "../keys";
import { pollUntil } from "../poll";
import { sessionObject } from "../session-object";

const TENANT_A = TEST_API_KEYS[TENANT_A_KEY];
const TENANT_B = TEST_API_KEYS[TENANT_B_KEY];

const endpointObject = (agentId: string, tenant = TENANT_A) => env.AGENT_ENDPOINTS.getByName(endpointObjectName(tenant, agentId));

/** The object ids of the sessions registered with `agentId`'s endpoint object of `tenant`. */
function registered(agentId: string, tenant = TENANT_A): Promise<string[]> {
  return runInDurableObject(endpointObject(agentId, tenant), (_instance, state) => {
    const sql = state.storage.sql;
    const table = sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'endpoint_session'").toArray();
    if (table.length === 0) return [];
    return sql
      .exec<{ object_id: string }>("SELECT object_id FROM endpoint_session ORDER BY object_id")
      .toArray()
      .map((row) => row.object_id);
  });
}

const objectId = (sessionId: string, tenant = TENANT_A) => sessionObject(sessionId, tenant).id.toString();

/** The next `tools_changed` of `source` whose count is `count`. */
async function toolsChanged(listener: EventListener, source: string, count: number) {
  const event = await listener.nextOf("tools_changed", (e) => {
    const data = e.data as { source: string; count: number };
    return data.source === source && data.count === count;
  });
  return event.data;
}

describe("a session bound with the agent, listening", () => {
  it("sees tools_changed when a server connects, re-lists, closes, reconnects and is revoked, without listing", async () => {
    const { token } = okBody(await restIssueEndpoint("push-1"));
    await restBind("ep-push-1", { agent_id: "push-1" });
    const listener = await EventListener.open("ep-push-1");

    const peer = await connectPeer(token, { name: "calc" });
    expect(await toolsChanged(listener, "endpoint:calc", 1)).toEqual({
      source: "endpoint:calc",
      kind: "endpoint",
      status: "ok",
      count: 1,
      previous: 0,
    });

    peer.setTools([echoTool, { ...echoTool, name: "shout" }]);
    peer.print(JSON.stringify({ jsonrpc: "2.0", method: "notifications/tools/list_changed" }));
    expect(await toolsChanged(listener, "endpoint:calc", 2)).toMatchObject({ status: "ok", previous: 1 });

    peer.ws.close(1000, "the pipe stopped");
    expect(await toolsChanged(listener, "endpoint:calc", 0)).toEqual({
      source: "endpoint:calc",
      kind: "endpoint",
      status: "unavailable",
      count: 0,
      previous: 2,
    });

    await connectPeer(token, { name: "calc" });
    expect(await toolsChanged(listener, "endpoint:calc", 1)).toMatchObject({ status: "ok", previous: 0 });

    okBody(await restRevokeEndpoint("push-1"));
    expect(await toolsChanged(listener, "endpoint:calc", 0)).toMatchObject({ previous: 1 });
    // Revoking kept the session registered: a new endpoint's servers are heard of too.
    expect(await registered("push-1")).toEqual([objectId("ep-push-1")]);
    const again = okBody(await restIssueEndpoint("push-1"));
    await connectPeer(again.token, { name: "calc" });
    expect(await toolsChanged(listener, "endpoint:calc", 1)).toMatchObject({ previous: 0 });
    await listener.close();
  }, 30_000);

  it("hears of an endpoint created after it was bound", async () => {
    await restBind("ep-push-2", { agent_id: "push-2" });
    const listener = await EventListener.open("ep-push-2");
    const { token } = okBody(await restIssueEndpoint("push-2"));
    await connectPeer(token, { name: "late" });
    expect(await toolsChanged(listener, "endpoint:late", 1)).toMatchObject({ status: "ok" });
    await listener.close();
  });
});

describe("registration", () => {
  it("follows the binding: bind registers, a rebind to another agent or to none moves it, unbind ends it", async () => {
    const id = objectId("ep-push-3");
    await restBind("ep-push-3", { agent_id: "push-3a" });
    expect(await registered("push-3a")).toEqual([id]);

    await restBind("ep-push-3", { agent_id: "push-3b" });
    expect(await registered("push-3b")).toEqual([id]);
    expect(await registered("push-3a")).toEqual([]);

    await restBind("ep-push-3");
    expect(await registered("push-3b")).toEqual([]);

    await restBind("ep-push-3", { agent_id: "push-3a" });
    okBody(await restUnbind("ep-push-3"));
    await pollUntil(
      () => registered("push-3a"),
      (ids) => ids.length === 0,
      "the unbound session to unregister",
    );
    // No endpoint and no session left: the agent's object keeps nothing.
    const tables = await runInDurableObject(endpointObject("push-3a"), (_instance, state) =>
      state.storage.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'endpoint_%'").toArray(),
    );
    expect(tables).toEqual([]);
  });

  it("a session no longer bound is dropped when next told, and is not bound again by it", async () => {
    const { token } = okBody(await restIssueEndpoint("push-4"));
    await restBind("ep-push-4", { agent_id: "push-4" });
    const id = objectId("ep-push-4");
    // As if its unregistering had failed: the row outlives the binding.
    await sessionObject("ep-push-4").unbind();
    await pollUntil(
      () => registered("push-4"),
      (ids) => ids.length === 0,
      "the unbound session to unregister",
    );
    await runInDurableObject(endpointObject("push-4"), (instance) =>
      instance.register({ object_id: id, session_id: "ep-push-4", agent_id: "push-4" }),
    );
    expect(await registered("push-4")).toEqual([id]);
    await connectPeer(token);
    await untilReady("push-4");
    await pollUntil(
      () => registered("push-4"),
      (ids) => ids.length === 0,
      "the stale registration to be dropped",
    );
    // Being told did not bind it again.
    expect((await restListTools("ep-push-4")).status).toBe(404);
  });

  it("stays within the tenant: another tenant's session with the same agent id is not told", async () => {
    const { token } = okBody(await restIssueEndpoint("push-5"));
    await restBind("ep-push-5a", { agent_id: "push-5" });
    await restBind("ep-push-5b", { agent_id: "push-5" }, { key: TENANT_B_KEY });
    expect(await registered("push-5")).toEqual([objectId("ep-push-5a")]);
    expect(await registered("push-5", TENANT_B)).toEqual([objectId("ep-push-5b", TENANT_B)]);

    const listener = await EventListener.open("ep-push-5a");
    await connectPeer(token, { name: "mine" });
    await toolsChanged(listener, "endpoint:mine", 1);
    await listener.close();
    const other = okBody(await restListTools("ep-push-5b", { key: TENANT_B_KEY }));
    expect(other.tools.filter((t) => t.source === "endpoint")).toEqual([]);
    expect(other.sources.filter((s) => s.kind === "endpoint").map((s) => s.source)).toEqual(["endpoint"]);
  });
});

describe("eviction", () => {
  it("of the agent's object and of the session's keeps the session told", async () => {
    const { token } = okBody(await restIssueEndpoint("push-6"));
    await restBind("ep-push-6", { agent_id: "push-6" });
    await evictDurableObject(endpointObject("push-6"));
    await evictDurableObject(sessionObject("ep-push-6"));
    const listener = await EventListener.open("ep-push-6");
    const peer = await connectPeer(token, { name: "after" });
    expect(await toolsChanged(listener, "endpoint:after", 1)).toMatchObject({ status: "ok", previous: 0 });
    await evictDurableObject(endpointObject("push-6"));
    peer.ws.close(1000, "bye");
    expect(await toolsChanged(listener, "endpoint:after", 0)).toMatchObject({ status: "unavailable", previous: 1 });
    await listener.close();
  });
});
