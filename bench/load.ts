/**
 * Load drivers: autocannon for HTTP scenarios, and a closed loop over any async call (for floors that are
 * not a plain HTTP request, such as a direct MCP SDK call). Both report the same {@link Measurement}.
 */
import autocannon from "autocannon";

export interface Measurement {
  requests_per_sec: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  failures: number;
}

export interface HttpLoad {
  url: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  connections: number;
  durationS: number;
  warmupS: number;
}

/** Runs autocannon with a warm-up; non-2xx answers and socket errors count as failures. */
export async function httpLoad(load: HttpLoad): Promise<Measurement> {
  // autocannon runs `warmup` before measuring; its published types do not list the option yet.
  const options: autocannon.Options & { warmup: { connections: number; duration: number } } = {
    url: load.url,
    method: load.method ?? "GET",
    headers: load.headers,
    body: load.body,
    connections: load.connections,
    duration: load.durationS,
    warmup: { connections: load.connections, duration: load.warmupS },
  };
  const result = await autocannon(options);
  return {
    requests_per_sec: round(result.requests.average),
    p50_ms: round(result.latency.p50),
    p99_ms: round(result.latency.p99),
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

export interface LoopLoad {
  /** One call; resolves true when it succeeded. */
  call: () => Promise<boolean>;
  connections: number;
  durationS: number;
  warmupS: number;
}

/** `connections` concurrent callers, each calling again as soon as its call returns, for `durationS`. */
export async function loopLoad(load: LoopLoad): Promise<Measurement> {
  await runLoop(load.call, load.connections, load.warmupS * 1000);
  const started = performance.now();
  const { latencies, failures } = await runLoop(load.call, load.connections, load.durationS * 1000);
  const elapsedS = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests_per_sec: round(latencies.length / elapsedS),
    p50_ms: round(percentile(latencies, 0.5)),
    p99_ms: round(percentile(latencies, 0.99)),
    requests: latencies.length,
    failures,
  };
}

async function runLoop(call: () => Promise<boolean>, connections: number, durationMs: number) {
  const latencies: number[] = [];
  let failures = 0;
  const end = performance.now() + durationMs;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const ok = await call().catch(() => false);
        latencies.push(performance.now() - t0);
        if (!ok) failures++;
      }
    }),
  );
  return { latencies, failures };
}

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
