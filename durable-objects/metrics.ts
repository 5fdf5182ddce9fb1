/**
 * @module durable-objects/metrics
 * The Prometheus figures of tool executions, exact across isolates and session objects: each session object sends
 * its executions here in batches (durable-objects/session-metrics), and `GET /metrics` adds up every object's
 * series (src/api/metrics-scrape).
 *
 * ## Sharding: per tenant, {@link METRICS_SHARDS} objects each
 * A tenant's sessions are spread over its shards by session id. Per tenant, because the scrape already knows every
 * tenant (the API keys name them) and so can find every object without a registry, and because one tenant's
 * traffic then never queues behind another's. Several shards per tenant, because one busy tenant's thousands of
 * sessions would otherwise all send to one object (a Durable Object serves its calls one at a time).
 *
 * ## Storage layout
 * - `metrics_series(tool_name, status, count, sum_seconds, buckets)`: one row per series, `buckets` a JSON array
 *   of per-bucket counts (observability/metrics-model). Every row is read into memory when the object starts.
 *
 * ## Labels stay bounded
 * A shard keeps at most {@link MAX_TOOL_NAMES} distinct tool names; executions of any later name are counted
 * under `other` (tool names come from the sessions' catalogs, which a device or an upstream could make large).
 */
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { Env } from "../src/env";
import { loggerFor } from "../src/observability/env-logger";
import { addSeries, emptySeries, MAX_TOOL_NAMES, OTHER_TOOL, SeriesCounts } from "../src/observability/metrics-model";
import { parseJson } from "../src/util/json";
import { Sql } from "./sql";

/** How many metrics objects each tenant's sessions are spread over. */
export const METRICS_SHARDS = 4;

const SeriesRow = z.object({
  tool_name: z.string(),
  status: z.string(),
  count: z.number(),
  sum_seconds: z.number(),
  buckets: z.string(),
});

export class MetricsObject extends DurableObject<Env> {
  readonly #sql: Sql;
  readonly #series = new Map<string, SeriesCounts>();
  readonly #toolNames = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = new Sql(ctx.storage.sql, loggerFor(env));
    this.#sql.run(
      "CREATE TABLE IF NOT EXISTS metrics_series (tool_name TEXT NOT NULL, status TEXT NOT NULL, count INTEGER NOT NULL, " +
        "sum_seconds REAL NOT NULL, buckets TEXT NOT NULL, PRIMARY KEY (tool_name, status))",
    );
    for (const row of this.#sql.rows(SeriesRow, "SELECT * FROM metrics_series")) {
      const buckets = parseJson(row.buckets);
      const series = SeriesCounts.safeParse({ ...row, buckets: buckets.ok ? buckets.value : null });
      if (!series.success) continue;
      this.#series.set(key(series.data), series.data);
      this.#toolNames.add(series.data.tool_name);
    }
  }

  /**
   * Adds a session's batch of executions, in one synchronous transaction (nothing is half-counted), and answers how
   * many series it held. A batch that is not a list of series is logged and counts nothing (answers 0).
   */
  record(batch: SeriesCounts[]): number {
    const parsed = z.array(SeriesCounts).safeParse(batch);
    if (!parsed.success) {
      // Not counted.
      loggerFor(this.env).error("metrics_batch_refused", { issues: parsed.error.issues.length });
      return 0;
    }
    for (const incoming of parsed.data) {
      const known = this.#toolNames.has(incoming.tool_name) || this.#toolNames.size < MAX_TOOL_NAMES;
      const labelled = known ? incoming : { ...incoming, tool_name: OTHER_TOOL };
      const total = addSeries(this.#series.get(key(labelled)) ?? emptySeries(labelled.tool_name, labelled.status), labelled);
      this.#sql.run(
        "INSERT OR REPLACE INTO metrics_series (tool_name, status, count, sum_seconds, buckets) VALUES (?, ?, ?, ?, ?)",
        total.tool_name,
        total.status,
        total.count,
        total.sum_seconds,
        JSON.stringify(total.buckets),
      );
      this.#series.set(key(total), total);
      this.#toolNames.add(total.tool_name);
    }
    return parsed.data.length;
  }

  /** Every series this shard has counted. */
  snapshot(): SeriesCounts[] {
    return [...this.#series.values()];
  }
}

const key = (series: SeriesCounts) => JSON.stringify([series.tool_name, series.status]);

/** The shard of `tenant` that `sessionId` reports to: a stable hash (FNV-1a) of the session id. */
export function metricsShard(sessionId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sessionId.length; i++) hash = Math.imul(hash ^ sessionId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % METRICS_SHARDS;
}

/** The metrics object of `tenant`'s shard `shard`. */
export function metricsStub(env: Env, tenant: string, shard: number) {
  return env.METRICS.getByName(JSON.stringify([tenant, shard]));
}
