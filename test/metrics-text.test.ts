/**
 * @module test/metrics-text.test
 * The histogram's arithmetic and its text format, without a Worker: which bucket a duration falls in (bounds are
 * inclusive, as Prometheus's `le`), batches adding up, and the rendered samples with escaped labels.
 */
import { describe, expect, it } from "vitest";
import { bucketIndex, DURATION_BUCKETS_SECONDS, ExecutionBatch, mergeSeries } from "../src/observability/metrics-model";
import { renderMetrics } from "../src/observability/metrics-text";
import { parseSamples } from "../scripts/prometheus-samples";

describe("the execution histogram", () => {
  it("puts a duration in the first bucket whose bound it does not exceed", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(0.005)).toBe(0);
    expect(bucketIndex(0.0051)).toBe(1);
    expect(bucketIndex(1)).toBe(DURATION_BUCKETS_SECONDS.indexOf(1));
    expect(bucketIndex(10.5)).toBe(DURATION_BUCKETS_SECONDS.length);
  });

  it("renders cumulative buckets, sum and count per tool and status, merged across batches", () => {
    const first = new ExecutionBatch();
    first.add("t", "success", 0.003);
    first.add("t", "success", 0.3);
    const second = new ExecutionBatch();
    second.add("t", "success", 12);
    second.add('we"ird\\name', "error", 0.02);
    const merged = mergeSeries([first.drain(), second.drain()]);
    expect(first.empty).toBe(true);
    const samples = parseSamples(renderMetrics({ executions: merged, activeSessions: 3 }));

    const le = (bound: string) =>
      samples.get(`mcp_tool_execution_duration_seconds_bucket{tool_name="t",status="success",le="${bound}"}`);
    expect([le("0.005"), le("0.25"), le("0.5"), le("10"), le("+Inf")]).toEqual([1, 1, 2, 2, 3]);
    expect(samples.get('mcp_tool_execution_duration_seconds_sum{tool_name="t",status="success"}')).toBeCloseTo(12.303);
    expect(samples.get('mcp_tool_execution_duration_seconds_count{tool_name="t",status="success"}')).toBe(3);
    expect(samples.get('mcp_tool_execution_total{tool_name="t",status="success"}')).toBe(3);
    expect(samples.get('mcp_tool_execution_total{tool_name="we\\"ird\\\\name",status="error"}')).toBe(1);
    expect(samples.get("mcp_active_sessions")).toBe(3);
  });

  it("a batch put back after a failed delivery goes with the next one", () => {
    const batch = new ExecutionBatch();
    batch.add("t", "error", 0.01);
    const undelivered = batch.drain();
    batch.add("t", "error", 0.01);
    batch.restore(undelivered);
    expect(batch.drain()).toEqual([expect.objectContaining({ tool_name: "t", status: "error", count: 2 })]);
  });
});
