/**
 * @module test/metrics.test
 * `GET /metrics`: the scrape credential, and the seed's figures exact across sessions, tenants and objects:
 * N executions show as exactly N with their labels and buckets, unknown tools as `other`, the active-session gauge
 * follows bind, unbind and expiry, and the counts survive an evicted metrics shard. Figures are cumulative over the
 * file, so each test compares a scrape after its work with one before it.
 */
import { env, exports } from "cloudflare:workers";
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { metricsShard, metricsStub } from "../durable-objects/metrics";
import { createApp } from "../src/app";
import { DURATION_BUCKETS_SECONDS, emptySeries, MAX_TOOL_NAMES } from "../src/observability/metrics-model";
import { parseSamples } from "../scripts/prometheus-samples";
import { type ErrorBody, restBind, restExecute, restUnbind } from "./api";
import { TENANT_A_KEY, TENANT_B_KEY, TEST_API_KEYS, TEST_METRICS_TOKEN } from "./keys";
import { pollUntil } from "./poll";
import { sessionObject } from "./session-object";

const DAY_MS = 24 * 3600 * 1000;

function scrapeRequest(token: string | null): Promise<Response> {
  const headers: Record<string, string> = token === null ? {} : { Authorization: `Bearer ${token}` };
  return exports.default.fetch("http://service.test/metrics", { headers });
}

/** The samples of a scrape with the right credential. */
async function scrape(): Promise<Map<string, number>> {
  const res = await scrapeRequest(TEST_METRICS_TOKEN);
  expect(res.status).toBe(200);
  return parseSamples(await res.text());
}

const total = (tool: string, status: string) => `mcp_tool_execution_total{tool_name="${tool}",status="${status}"}`;
const bucket = (tool: string, status: string, le: string) =>
  `mcp_tool_execution_duration_seconds_bucket{tool_name="${tool}",status="${status}",le="${le}"}`;

/** How far each of `series` moved from `before` to `after` (absent counts as 0). */
function deltas(before: Map<string, number>, after: Map<string, number>, series: string[]): Record<string, number> {
  return Object.fromEntries(series.map((s) => [s, (after.get(s) ?? 0) - (before.get(s) ?? 0)]));
}

describe("the scrape credential", () => {
  it("is required: none, a wrong one, or a tenant's API key is a 401", async () => {
    for (const token of [null, "wrong-token", TENANT_A_KEY]) {
      const res = await scrapeRequest(token);
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toBe("Bearer");
      expect((await res.json<ErrorBody>()).error.code).toBe("unauthorized");
    }
  });

  it("answers the text format with the right one", async () => {
    const res = await scrapeRequest(TEST_METRICS_TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get("Content-Type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    expect(text).toContain("# TYPE mcp_tool_execution_duration_seconds histogram\n");
    expect(text).toContain("# TYPE mcp_tool_execution_total counter\n");
    expect(text).toMatch(/# TYPE mcp_active_sessions gauge\nmcp_active_sessions \d+\n/);
  });

  it("without METRICS_TOKEN configured, /metrics is a 503 that says what to set, never open", async () => {
    const res = await createApp().request(
      "/metrics",
      { headers: { Authorization: `Bearer ${TEST_METRICS_TOKEN}` } },
      { ...env, METRICS_TOKEN: undefined },
    );
    expect(res.status).toBe(503);
    const body = await res.json<ErrorBody>();
    expect(body.error.code).toBe("not_configured");
    expect(body.error.message).toContain("METRICS_TOKEN");
  });
});

describe("execution figures", () => {
  it("N executions across sessions and tenants show as exactly N, by tool and status, with their buckets", async () => {
    await restBind("metrics-a1");
    await restBind("metrics-a2");
    await restBind("metrics-b1", {}, { key: TENANT_B_KEY });
    const watched = [
      total("local_get_time", "success"),
      total("local_exit", "error"),
      total("other", "error"),
      bucket("local_get_time", "success", "+Inf"),
      'mcp_tool_execution_duration_seconds_count{tool_name="local_get_time",status="success"}',
    ];
    const before = await scrape();

    const runs = [
      restExecute("metrics-a1", "local_get_time"),
      restExecute("metrics-a1", "local_get_time"),
      restExecute("metrics-a2", "local_get_time"),
      restExecute("metrics-b1", "local_get_time", {}, { key: TENANT_B_KEY }),
      // Arguments its schema refuses: an execution that failed.
      restExecute("metrics-a2", "local_exit", {}),
      restExecute("metrics-b1", "local_exit", {}, { key: TENANT_B_KEY }),
      // No such tool: one `other` label, whatever the name.
      restExecute("metrics-a1", "no_such_tool_1"),
    ];
    const answers = await Promise.all(runs);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200, 404]);

    const expected = { [watched[0]!]: 4, [watched[1]!]: 2, [watched[2]!]: 1, [watched[3]!]: 4, [watched[4]!]: 4 };
    const after = await pollUntil(scrape, (now) => deltas(before, now, watched)[watched[0]!] === 4, "the counts to arrive");
    // Delivered together or not: a little later nothing has been counted twice either.
    await scheduler.wait(200);
    expect(deltas(before, await scrape(), watched)).toEqual(expected);
    expect(deltas(before, after, watched)).toEqual(expected);

    // Buckets are cumulative and end at the count.
    const les = [...DURATION_BUCKETS_SECONDS.map(String), "+Inf"];
    const cumulative = les.map((le) => after.get(bucket("local_get_time", "success", le)) ?? -1);
    expect(cumulative).toEqual([...cumulative].sort((a, b) => a - b));
    expect(cumulative.at(-1)).toBe(after.get(total("local_get_time", "success")));
    expect([...after.keys()].some((s) => s.includes("no_such_tool_1"))).toBe(false);
  });

  it("counts survive an evicted metrics shard (they are in its storage)", async () => {
    await restBind("metrics-evict");
    const before = await scrape();
    await restExecute("metrics-evict", "local_get_time");
    const series = total("local_get_time", "success");
    await pollUntil(scrape, (now) => deltas(before, now, [series])[series] === 1, "the count to arrive");
    const tenant = TEST_API_KEYS[TENANT_A_KEY];
    await evictDurableObject(metricsStub(env, tenant, metricsShard("metrics-evict")));
    expect(deltas(before, await scrape(), [series])).toEqual({ [series]: 1 });
  });

  it(`a shard keeps at most ${MAX_TOOL_NAMES} tool names; later ones count as other`, async () => {
    // A tenant no API key names: this shard is not in the scrape, only read directly.
    const shard = metricsStub(env, "label-cap-tenant", 0);
    const one = (tool: string) => ({
      ...emptySeries(tool, "success"),
      count: 1,
      buckets: [1, ...emptySeries(tool, "success").buckets.slice(1)],
    });
    await shard.record(Array.from({ length: MAX_TOOL_NAMES }, (_, i) => one(`tool_${i}`)));
    await shard.record([one("tool_late_1"), one("tool_late_2"), one("tool_0")]);
    const names = (await shard.snapshot()).map((s) => [s.tool_name, s.count] as const);
    expect(names).toHaveLength(MAX_TOOL_NAMES + 1);
    expect(Object.fromEntries(names)).toMatchObject({ other: 2, tool_0: 2, tool_1: 1 });
  });

  it("a batch that is not series is refused, and counts nothing", async () => {
    const shard = metricsStub(env, "bad-batch-tenant", 0);
    const good = { ...emptySeries("x", "success"), count: 1 };
    expect(await shard.record([good, { tool_name: "x", status: "maybe" } as never])).toBe(0);
    expect(await shard.snapshot()).toEqual([]);
  });
});

describe("mcp_active_sessions", () => {
  const gauge = async () => (await scrape()).get("mcp_active_sessions") ?? Number.NaN;

  it("follows bind, rebind, unbind and expiry, over every tenant", async () => {
    const start = await gauge();
    await restBind("active-1");
    await restBind("active-2", {}, { key: TENANT_B_KEY });
    expect(await gauge()).toBe(start + 2);
    await restBind("active-1", { client_id: "client-2" });
    expect(await gauge()).toBe(start + 2);
    expect((await restUnbind("active-1")).status).toBe(200);
    expect(await gauge()).toBe(start + 1);

    const stub = sessionObject("active-2", TEST_API_KEYS[TENANT_B_KEY]);
    await runInDurableObject(stub, async (_i, state) => {
      state.storage.sql.exec("UPDATE session_binding SET last_used_at = ?", Date.now() - DAY_MS - 1000);
    });
    await evictDurableObject(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await gauge()).toBe(start);
  });
});
