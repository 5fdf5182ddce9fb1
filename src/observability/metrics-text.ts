/**
 * @module observability/metrics-text
 * The Prometheus text exposition format (version 0.0.4) of the seed's three metrics: the execution histogram
 * `mcp_tool_execution_duration_seconds` and counter `mcp_tool_execution_total` (labels `tool_name`, `status`), and
 * the gauge `mcp_active_sessions`.
 */
import { DURATION_BUCKETS_SECONDS, type SeriesCounts } from "./metrics-model";

/** The scrape's Content-Type. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Everything a scrape shows. */
export interface MetricsSnapshot {
  executions: readonly SeriesCounts[];
  activeSessions: number;
}

/** A label value as the format quotes it: backslash, double quote and newline escaped. */
function labelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(pairs: Array<[string, string]>): string {
  return `{${pairs.map(([name, value]) => `${name}="${labelValue(value)}"`).join(",")}}`;
}

/** The scrape's body: each metric's HELP and TYPE lines, then its samples. */
export function renderMetrics(snapshot: MetricsSnapshot): string {
  const lines: string[] = [
    "# HELP mcp_tool_execution_duration_seconds Duration of MCP tool execution",
    "# TYPE mcp_tool_execution_duration_seconds histogram",
  ];
  for (const series of snapshot.executions) {
    const base: Array<[string, string]> = [
      ["tool_name", series.tool_name],
      ["status", series.status],
    ];
    let cumulative = 0;
    DURATION_BUCKETS_SECONDS.forEach((bound, i) => {
      cumulative += series.buckets[i] ?? 0;
      lines.push(`mcp_tool_execution_duration_seconds_bucket${labels([...base, ["le", String(bound)]])} ${cumulative}`);
    });
    lines.push(`mcp_tool_execution_duration_seconds_bucket${labels([...base, ["le", "+Inf"]])} ${series.count}`);
    lines.push(`mcp_tool_execution_duration_seconds_sum${labels(base)} ${series.sum_seconds}`);
    lines.push(`mcp_tool_execution_duration_seconds_count${labels(base)} ${series.count}`);
  }
  lines.push("# HELP mcp_tool_execution_total Total number of MCP tool executions", "# TYPE mcp_tool_execution_total counter");
  for (const series of snapshot.executions) {
    lines.push(
      `mcp_tool_execution_total${labels([
        ["tool_name", series.tool_name],
        ["status", series.status],
      ])} ${series.count}`,
    );
  }
  lines.push(
    "# HELP mcp_active_sessions Number of active MCP sessions",
    "# TYPE mcp_active_sessions gauge",
    `mcp_active_sessions ${snapshot.activeSessions}`,
  );
  return `${lines.join("\n")}\n`;
}
