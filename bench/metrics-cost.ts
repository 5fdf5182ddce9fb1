/**
 * `npm run bench:metrics`: what the metrics cost a local execute. Starts the service twice as `npm start` does,
 * once as it ships and once with `METRICS_RECORDING=off` (no Analytics Engine points, nothing counted for `/metrics`), and
 * measures `local_get_time` executes on each in alternating rounds (the order swapped every round, so that
 * whatever else loads the machine falls on both alike) at concurrency 1 and 50. Prints the median of the rounds
 * for each and their ratio, and writes bench/metrics-cost.json.
 *
 * Settings: BENCH_ROUNDS (default 5), BENCH_DURATION_S (default 3) and BENCH_WARMUP_S (default 1) per round.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { httpLoad, type Measurement } from "./load.ts";
import { machine } from "./report.ts";
import { ROOT, startService, type RunningService } from "../scripts/service.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 3);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 1);
const CONCURRENCIES = [1, 50] as const;
const SESSION = "bench-metrics";
const VARIANTS = ["metrics on", "metrics off"] as const;
type Variant = (typeof VARIANTS)[number];

const services = {
  "metrics on": await startService({ vars: { RATE_LIMITS: "off" } }),
  "metrics off": await startService({ vars: { RATE_LIMITS: "off", METRICS_RECORDING: "off" } }),
} satisfies Record<Variant, RunningService>;

try {
  for (const service of Object.values(services)) await bind(service);
  const rows = [];
  for (const connections of CONCURRENCIES) {
    const rounds: Record<Variant, Measurement[]> = { "metrics on": [], "metrics off": [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) rounds[variant].push(await execute(services[variant], connections));
    }
    const on = median(rounds["metrics on"].map((m) => m.requests_per_sec));
    const off = median(rounds["metrics off"].map((m) => m.requests_per_sec));
    const row = {
      connections,
      metrics_on_req_s: on,
      metrics_off_req_s: off,
      ratio: Math.round((on / off) * 1000) / 1000,
      p50_ms_on: median(rounds["metrics on"].map((m) => m.p50_ms)),
      p50_ms_off: median(rounds["metrics off"].map((m) => m.p50_ms)),
      failures: [...rounds["metrics on"], ...rounds["metrics off"]].reduce((n, m) => n + m.failures, 0),
      rounds,
    };
    rows.push(row);
    console.log(
      `local_execute at ${connections}: metrics on ${on} req/s (p50 ${row.p50_ms_on} ms), off ${off} req/s ` +
        `(p50 ${row.p50_ms_off} ms): ${Math.round(row.ratio * 1000) / 10} % of the throughput without`,
    );
  }
  const report = {
    date: new Date().toISOString(),
    machine: machine(),
    settings: { rounds: ROUNDS, duration_s: DURATION_S, warmup_s: WARMUP_S },
    rows,
  };
  await writeFile(join(ROOT, "bench", "metrics-cost.json"), `${JSON.stringify(report, null, 2)}\n`);
} finally {
  await Promise.all(Object.values(services).map((s) => s.stop()));
}

async function bind(service: RunningService): Promise<void> {
  const res = await fetch(`${service.url}/api/v1/mcp/sessions/${SESSION}/bind`, {
    method: "POST",
    headers: { Authorization: `Bearer ${service.apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ device_id: "bench-device", client_id: "bench-client" }),
  });
  if (!res.ok) throw new Error(`bind failed: ${res.status} ${await res.text()}`);
}

function execute(service: RunningService, connections: number): Promise<Measurement> {
  return httpLoad({
    url: `${service.url}/api/v1/mcp/tools/local_get_time/execute`,
    method: "POST",
    headers: { Authorization: `Bearer ${service.apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ session_id: SESSION }),
    connections,
    durationS: DURATION_S,
    warmupS: WARMUP_S,
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const at = (i: number) => sorted[i] ?? Number.NaN;
  return sorted.length % 2 === 1 ? at(mid) : Math.round(((at(mid - 1) + at(mid)) / 2) * 100) / 100;
}
