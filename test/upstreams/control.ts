/**
 * @module test/upstreams/control
 * The tests' handle on the upstream hosts (runs in workerd): reads their counters and stops, starts or
 * changes them through the global setup's control endpoint.
 */
import { inject } from "vitest";
import type { UpstreamHostName } from "./servers";
import type { UpstreamStats } from "./stats";

export function upstream(name: UpstreamHostName) {
  const base = `${inject("upstreams").control}/upstreams/${name}`;
  const post = async (path: string, method = "POST") => {
    const res = await fetch(`${base}${path}`, { method });
    if (res.status !== 204) throw new Error(`control ${method} ${path}: ${res.status}`);
  };
  return {
    stats: async (): Promise<UpstreamStats> => {
      // Node's and workerd's `Response.json()` are typed differently (this file is checked under both).
      const stats: unknown = await (await fetch(base)).json();
      return stats as UpstreamStats;
    },
    stop: () => post("/stop"),
    start: () => post("/start"),
    addTool: (tool: string) => post(`/tools/${tool}`),
    removeTool: (tool: string) => post(`/tools/${tool}`, "DELETE"),
    /** New SSE streams answer after `ms`, or never send their `endpoint` event; `"now"` undoes it. */
    holdSseStart: (start: number | "never" | "now") => post(`/sse-start/${start}`),
  };
}

/** JSON-RPC messages the host received, all methods together. */
export function messageCount(stats: UpstreamStats): number {
  return Object.values(stats.methods).reduce((sum, n) => sum + n, 0);
}
