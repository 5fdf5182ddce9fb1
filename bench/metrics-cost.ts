/**
 * `npm run bench:metrics`: what the metrics cost a local execute. Starts the service twice as `npm start` does,
 * once as it ships and once with `METRICS_RECORDING=off` (no Analytics Engine points, nothing counted for `/metrics`), and
 * measures `local_get_time` executes on each in alternating rounds (the order swapped every round, so that
 * whatever else loads the machine falls on both alike) at concurrency 1 and 50. Besides throughput it measures
 * the CPU time each service's processes (wrangler's and workerd's, one process group) spent per execute, read from
 * /proc: on a machine other work loads, throughput swings from round to round while CPU per request holds, and
 * where the service is CPU-bound (as locally) throughput is its inverse. Prints the median of the rounds for each
 * and their ratios, and writes bench/metrics-cost.json.
 *
 * Settings: BENCH_ROUNDS (default 5), BENCH_DURATION_S (default 3) and BENCH_WARMUP_S (default 1) per round.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { bindBenchSession } from "./calls.ts";
import { httpLoad, type Measurement } from "./load.ts";
import { processCpu } from "./proc-cpu.ts";
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
  for (const service of Object.values(services)) await bindBenchSession(service.url, SESSION, service.apiKey);
  const rows = [];
  for (const connections of CONCURRENCIES) {
    const rounds: Record<Variant, Round[]> = { "metrics on": [], "metrics off": [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) rounds[variant].push(await measured(services[variant], connections));
    }
    const on = median(rounds["metrics on"].map((m) => m.requests_per_sec));
    const off = median(rounds["metrics off"].map((m) => m.requests_per_sec));
    const cpuOn = median(rounds["metrics on"].map((m) => m.cpu_ms_per_request));
    const cpuOff = median(rounds["metrics off"].map((m) => m.cpu_ms_per_request));
    const row = {
      connections,
      metrics_on_req_s: on,
      metrics_off_req_s: off,
      ratio: Math.round((on / off) * 1000) / 1000,
      cpu_ms_per_request_on: cpuOn,
      cpu_ms_per_request_off: cpuOff,
      cpu_ratio: Math.round((cpuOn / cpuOff) * 1000) / 1000,
      p50_ms_on: median(rounds["metrics on"].map((m) => m.p50_ms)),
      p50_ms_off: median(rounds["metrics off"].map((m) => m.p50_ms)),
      failures: [...rounds["metrics on"], ...rounds["metrics off"]].reduce((n, m) => n + m.failures, 0),
      rounds,
    };
    rows.push(row);
    console.log(
      `local_execute at ${connections}: metrics on ${on} req/s (p50 ${row.p50_ms_on} ms), off ${off} req/s ` +
        `(p50 ${row.p50_ms_off} ms): ${Math.round(row.ratio * 1000) / 10} % of the throughput without; ` +
        `CPU per execute ${cpuOn} ms on, ${cpuOff} ms off (${Math.round(row.cpu_ratio * 1000) / 10} %)`,
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

type Round = Measurement & { cpu_ms_per_request: number };

/** One round of executes on `service`, with the CPU its processes spent per request. */
async function measured(service: RunningService, connections: number): Promise<Round> {
  const before = await groupCpuMs(service.port);
  const measurement = await execute(service, connections);
  const spent = (await groupCpuMs(service.port)) - before;
  // The warm-up's requests are not in `requests` but their CPU is in `spent`: count them at the measured rate.
  const requests = measurement.requests_per_sec * (DURATION_S + WARMUP_S);
  return { ...measurement, cpu_ms_per_request: Math.round((spent / requests) * 1000) / 1000 };
}

/** User and system CPU (ms) of every process in the process group of the workerd serving `port`. */
async function groupCpuMs(port: number): Promise<number> {
  const processes = await processCpu();
  const workerd = processes.find((p) => p.cmdline.includes(`--socket-addr=entry=127.0.0.1:${port}`));
  if (!workerd) throw new Error(`no workerd serving port ${port}`);
  return processes.reduce((sum, p) => sum + (p.pgrp === workerd.pgrp ? p.cpuMs : 0), 0);
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
