/**
 * @module observability/metrics-model
 * The Prometheus figures of tool executions as data: one series per (`tool_name`, `status`) holding its count,
 * its sum of seconds and its histogram buckets, and the batch a session collects them in before sending them on.
 * Buckets are kept per bucket (not cumulative) so that batches and shards add up by plain addition; the text
 * format's cumulative `le` counts are made when rendering (observability/metrics-text).
 */
import { z } from "zod";

/** The histogram's upper bounds in seconds: Prometheus's default buckets, as the seed's histogram uses. */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** An execution's outcome as a label: `error` whenever the result is not a success (the seed's alert reads it). */
export const ExecutionStatus = z.enum(["success", "error"]);
export type ExecutionStatus = z.infer<typeof ExecutionStatus>;

/** The one `tool_name` of every name the session did not know, and of names past {@link MAX_TOOL_NAMES}. */
export const OTHER_TOOL = "other";

/** The most distinct `tool_name` values one metrics shard keeps; executions of later names count as `other`. */
export const MAX_TOOL_NAMES = 200;

/** One series: `buckets[i]` counts the durations in (bound i-1, bound i], the last entry those over every bound. */
export const SeriesCounts = z.object({
  tool_name: z.string(),
  status: ExecutionStatus,
  count: z.number().int().nonnegative(),
  sum_seconds: z.number().nonnegative(),
  buckets: z.array(z.number().int().nonnegative()).length(DURATION_BUCKETS_SECONDS.length + 1),
});
export type SeriesCounts = z.infer<typeof SeriesCounts>;

/** The index of the bucket `seconds` falls in. */
export function bucketIndex(seconds: number): number {
  const index = DURATION_BUCKETS_SECONDS.findIndex((bound) => seconds <= bound);
  return index === -1 ? DURATION_BUCKETS_SECONDS.length : index;
}

/** A series with nothing counted yet. */
export function emptySeries(tool_name: string, status: ExecutionStatus): SeriesCounts {
  return { tool_name, status, count: 0, sum_seconds: 0, buckets: new Array<number>(DURATION_BUCKETS_SECONDS.length + 1).fill(0) };
}

/** `into` plus `add` (same labels), as a new series. */
export function addSeries(into: SeriesCounts, add: SeriesCounts): SeriesCounts {
  return {
    tool_name: into.tool_name,
    status: into.status,
    count: into.count + add.count,
    sum_seconds: into.sum_seconds + add.sum_seconds,
    buckets: into.buckets.map((n, i) => n + (add.buckets[i] ?? 0)),
  };
}

const seriesKey = (tool: string, status: ExecutionStatus) => JSON.stringify([tool, status]);

/** Series from several places (batches, shards) added up by their labels, sorted by tool name then status. */
export function mergeSeries(lists: Iterable<readonly SeriesCounts[]>): SeriesCounts[] {
  const merged = new Map<string, SeriesCounts>();
  for (const list of lists) {
    for (const series of list) {
      const key = seriesKey(series.tool_name, series.status);
      merged.set(key, addSeries(merged.get(key) ?? emptySeries(series.tool_name, series.status), series));
    }
  }
  return [...merged.values()].sort((a, b) => a.tool_name.localeCompare(b.tool_name) || a.status.localeCompare(b.status));
}

/** Executions a session has counted and not yet handed to its metrics shard. */
export class ExecutionBatch {
  #series = new Map<string, SeriesCounts>();

  get empty(): boolean {
    return this.#series.size === 0;
  }

  /** Counts one execution of `tool` that took `seconds`. */
  add(tool: string, status: ExecutionStatus, seconds: number): void {
    const key = seriesKey(tool, status);
    const series = this.#series.get(key) ?? emptySeries(tool, status);
    series.count += 1;
    series.sum_seconds += seconds;
    const bucket = bucketIndex(seconds);
    series.buckets[bucket] = (series.buckets[bucket] ?? 0) + 1;
    this.#series.set(key, series);
  }

  /** Everything counted so far, leaving the batch empty. */
  drain(): SeriesCounts[] {
    const drained = [...this.#series.values()];
    this.#series.clear();
    return drained;
  }

  /** Puts back series that could not be delivered, to go with the next batch. */
  restore(series: readonly SeriesCounts[]): void {
    for (const s of series) {
      const key = seriesKey(s.tool_name, s.status);
      this.#series.set(key, addSeries(this.#series.get(key) ?? emptySeries(s.tool_name, s.status), s));
    }
  }
}
