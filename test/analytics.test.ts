/**
 * @module test/analytics.test
 * The Analytics Engine data points: one per execution (tenant as the index; event, tool, source, server, status,
 * error code and session as blobs; the duration as a double) and one per bind, unbind and expiry. The local
 * binding accepts writes and stores nothing, so a spy on it reads what the session objects write.
 */
import { env } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { metricsShard, metricsStub } from "../durable-objects/metrics";
import { SessionMetrics } from "../durable-objects/session-metrics";
import { bindingRow } from "../durable-objects/session-storage";
import { restBind, restExecute, restUnbind } from "./api";
import { TENANT_A_KEY, TENANT_B_KEY, TEST_API_KEYS } from "./keys";
import { sessionObject } from "./session-object";

const TENANT_A = TEST_API_KEYS[TENANT_A_KEY];
const TENANT_B = TEST_API_KEYS[TENANT_B_KEY];
const DAY_MS = 24 * 3600 * 1000;

let spy: MockInstance<AnalyticsEngineDataset["writeDataPoint"]>;
beforeEach(() => {
  spy = vi.spyOn(env.ANALYTICS, "writeDataPoint");
});
afterEach(() => spy.mockRestore());

/** The points written for `sessionId` so far. */
const pointsOf = (sessionId: string) => spy.mock.calls.map(([point]) => point).filter((point) => point?.blobs?.[6] === sessionId);

describe("Analytics Engine data points", () => {
  it("one per execution, with its tool, source, status, error code and duration", async () => {
    await restBind("ae-exec");
    await restExecute("ae-exec", "local_get_time");
    await restExecute("ae-exec", "local_exit", {});
    await restExecute("ae-exec", "no_such_tool");
    const executions = pointsOf("ae-exec").filter((p) => p?.blobs?.[0] === "execute");
    expect(executions.map((p) => ({ indexes: p?.indexes, blobs: p?.blobs }))).toEqual([
      { indexes: [TENANT_A], blobs: ["execute", "local_get_time", "local", "", "success", "", "ae-exec"] },
      { indexes: [TENANT_A], blobs: ["execute", "local_exit", "local", "", "error", "invalid_arguments", "ae-exec"] },
      { indexes: [TENANT_A], blobs: ["execute", "no_such_tool", "", "", "error", "tool_not_found", "ae-exec"] },
    ]);
    for (const point of executions) {
      expect(point?.doubles).toHaveLength(2);
      expect(point?.doubles?.[0]).toBeGreaterThanOrEqual(0);
    }
  });

  it("an external tool's point names its server; a refused request (device mismatch) writes none", async () => {
    await restBind("ae-ext");
    expect((await restExecute("ae-ext", "mcp_everything_echo", { message: "hi" })).body.success).toBe(true);
    const mismatch = await restExecute("ae-ext", "mcp_everything_echo", { message: "hi" }, { deviceId: "11:22:33:44:55:66" });
    expect(mismatch.status).toBe(409);
    const executions = pointsOf("ae-ext").filter((p) => p?.blobs?.[0] === "execute");
    expect(executions.map((p) => p?.blobs?.slice(1, 6))).toEqual([
      ["mcp_everything_echo", "external", "everything", "success", ""],
    ]);
  });

  it("bind (created, then updated), unbind and expiry write one each, with the bound-session change", async () => {
    await restBind("ae-life");
    await restBind("ae-life", { client_id: "client-2" });
    expect((await restUnbind("ae-life")).status).toBe(200);
    expect((await restUnbind("ae-life")).status).toBe(404);

    await restBind("ae-expire", {}, { key: TENANT_B_KEY });
    const stub = sessionObject("ae-expire", TENANT_B);
    await runInDurableObject(stub, async (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", Date.now() - DAY_MS - 1000);
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);

    const summary = (sessionId: string) =>
      pointsOf(sessionId).map((p) => ({
        index: p?.indexes?.[0],
        event: p?.blobs?.[0],
        status: p?.blobs?.[4],
        delta: p?.doubles?.[1],
      }));
    expect(summary("ae-life")).toEqual([
      { index: TENANT_A, event: "bind", status: "created", delta: 1 },
      { index: TENANT_A, event: "bind", status: "updated", delta: 0 },
      { index: TENANT_A, event: "unbind", status: "ended", delta: -1 },
    ]);
    expect(summary("ae-expire")).toEqual([
      { index: TENANT_B, event: "bind", status: "created", delta: 1 },
      { index: TENANT_B, event: "expire", status: "ended", delta: -1 },
    ]);
  });

  it("a binding that throws does not fail the execution", async () => {
    await restBind("ae-throw");
    spy.mockImplementation(() => {
      throw new Error("dataset unavailable");
    });
    const res = await restExecute("ae-throw", "local_get_time");
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(spy).toHaveBeenCalled();
  });

  it("METRICS_RECORDING=off writes nothing and counts nothing", async () => {
    const shard = metricsStub(env, TENANT_A, metricsShard("ae-off"));
    const countedBefore = await shard.snapshot();
    await runInDurableObject(sessionObject("ae-off"), (_instance, state) => {
      const metrics = new SessionMetrics(state, { ...env, METRICS_RECORDING: "off" });
      const binding = bindingRow({ tenant: TENANT_A, sessionId: "ae-off", device_id: "d", client_id: "c" }, null, Date.now());
      const tool = {
        name: "local_get_time",
        description: "",
        input_schema: { type: "object" as const },
        source: "local" as const,
        original_name: "get_time",
      };
      const result = { success: true, action: "req_llm" as const, result: "now", response: null };
      metrics.executed(binding, { name: tool.name, tool, result, durationMs: 1 });
      metrics.executed(binding, { name: "nope", tool: null, result, durationMs: 0 });
      metrics.sessionEvent(binding, "bind", true);
    });
    expect(pointsOf("ae-off")).toEqual([]);
    await scheduler.wait(200);
    expect(await shard.snapshot()).toEqual(countedBefore);
  });
});
