/**
 * `npm run bench`: in one run, on one machine, the service beside its peer on the same upstream. Starts the stock
 * `server-everything streamableHttp` process and the tests' in-process host of it, mcp-hub in front of the stock
 * one, the direct SDK floors, and the service on each runner (`npm run serve`, then `npm start`) with both
 * upstreams configured; runs every scenario at concurrency 1 and 50, counts the upstreams' `initialize` requests,
 * and writes bench/results.json and BENCHMARKS.md.
 *
 * Settings: BENCH_DURATION_S (default 5) and BENCH_WARMUP_S (default 1) per cell; BENCH_RUNNERS (default
 * `serve,dev`) the runners to measure; BENCH_SCENARIOS (default all) a comma-separated list of the scenarios to
 * run, for a quick look (the report then holds those only).
 */
import { join } from "node:path";
import { bindBenchSession } from "./calls.ts";
import { connectSimulatedDevice } from "./device.ts";
import { startMcpHub, startStockUpstream } from "./peers.ts";
import { checkTargets, compare, initializeCheck, machine, writeReport, type ScenarioResult } from "./report.ts";
import { peerScenarios, serviceScenarios, type Cell, type Scenario } from "./scenarios.ts";
import { connectDirect, startUpstream } from "./upstream.ts";
import { DEV_KEY, ROOT, type Runner, startService } from "../scripts/service.ts";

const CELL: Cell = { durationS: Number(process.env.BENCH_DURATION_S ?? 5), warmupS: Number(process.env.BENCH_WARMUP_S ?? 1) };
const RUNNERS = (process.env.BENCH_RUNNERS ?? "serve,dev").split(",").map((r) => r.trim()) as Runner[];
const ONLY = process.env.BENCH_SCENARIOS?.split(",").map((s) => s.trim());
const CONCURRENCIES = [1, 50] as const;
const SESSION = "bench-session";

async function measureAll(scenarios: Scenario[], results: ScenarioResult[]): Promise<void> {
  for (const scenario of scenarios) {
    if (ONLY && !ONLY.includes(scenario.name)) continue;
    for (const connections of CONCURRENCIES) {
      const label = scenario.runner ? `${scenario.runner} ${scenario.name}` : scenario.name;
      process.stdout.write(`${label} at ${connections}… `);
      const measurement = await scenario.measure(connections);
      results.push(compare(scenario, connections, measurement, results));
      process.stdout.write(`${measurement.requests_per_sec} req/s, p50 ${measurement.p50_ms} ms, p99 ${measurement.p99_ms} ms\n`);
    }
  }
}

/** The service on `runner` with both upstreams, a bound session and its simulated device; measures its scenarios. */
async function benchRunner(runner: Runner, upstreams: { stock: string; host: string }, results: ScenarioResult[]): Promise<void> {
  const mcpServers = {
    mcpServers: {
      stock: { url: upstreams.stock, transport: "streamable-http" },
      host: { url: upstreams.host, transport: "streamable-http" },
    },
  };
  // The bench sends thousands of requests a second as one tenant: far over any rate limit worth having.
  const service = await startService({
    runner,
    vars: { MCP_SERVERS: JSON.stringify(mcpServers), RATE_LIMITS: "off" },
    stateDir: join(ROOT, "bench", ".tmp", `state-${runner}`),
  });
  try {
    await bindBenchSession(service.url, SESSION, DEV_KEY);
    const device = await connectSimulatedDevice(service.url, SESSION, DEV_KEY);
    try {
      await measureAll(serviceScenarios(runner, service.url, SESSION, DEV_KEY, CELL), results);
    } finally {
      device.close();
    }
  } finally {
    await service.stop();
  }
}

async function main(): Promise<void> {
  const host = await startUpstream();
  const stock = await startStockUpstream();
  const hub = await startMcpHub(stock.url);
  const direct = { stock: await connectDirect(stock.url), host: await connectDirect(host.url) };
  try {
    const results: ScenarioResult[] = [];
    await measureAll(peerScenarios(CELL, direct, hub), results);
    for (const runner of RUNNERS) await benchRunner(runner, { stock: stock.url, host: host.url }, results);
    // Each client of an upstream (the direct one, mcp-hub's, one service session per runner) initializes once.
    const initializes = [
      { upstream: "stock", sessions: 2 + RUNNERS.length, initialize_requests: stock.initializeRequests() },
      { upstream: "host", sessions: 1 + RUNNERS.length, initialize_requests: host.initializeRequests() },
    ];
    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      settings: { duration_s: CELL.durationS, warmup_s: CELL.warmupS, runners: RUNNERS },
      results,
      targets: [...checkTargets(results, RUNNERS), initializeCheck(initializes)],
      upstream_initialize_requests: initializes,
    };
    await writeReport(ROOT, report);
    for (const t of report.targets) console.log(`${t.met ? "met   " : "MISSED"} ${t.target}: ${t.value}`);
  } finally {
    await Promise.all([direct.stock.close(), direct.host.close()]);
    await hub.stop();
    await stock.stop();
    await host.stop();
  }
}

await main();
