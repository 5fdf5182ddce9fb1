/**
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
    stats: async () => (await (await fetch(base)).json()) as UpstreamStats,
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

/** Polls `check` until it holds (at most ~3 s): for effects that arrive asynchronously, like notifications. */
export async function eventually<T>(probe: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  let value = await probe();
  for (let i = 0; i < 30 && !check(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}
