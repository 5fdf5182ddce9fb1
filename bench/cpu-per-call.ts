/**
 * @module bench/cpu-per-call
 * `npm run bench:cpu`: where the CPU of one external call goes, process by process, for the service and for its
 * peer under the same load. Starts the stock upstream, the service on `npm run serve` and mcp-hub in front of the
 * same upstream, and runs the same closed loop of `echo` calls (concurrency 50, as the bench's throughput cells)
 * against each in alternating rounds, reading each process's CPU time from /proc before and after: the service's
 * workerd and Miniflare's Node process, mcp-hub, the upstream, and this process (the load generator). On a machine
 * where every process shares the same cores, throughput follows the sum; each path's own share is what it can change.
 */
import { bindBenchSession, executeCall, hubEchoCall } from "./calls.ts";
import { loopLoad } from "./load.ts";
import { startMcpHub, startStockUpstream } from "./peers.ts";
import { processCpu } from "./proc-cpu.ts";
import { DEV_KEY, startService } from "../scripts/service.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 4);
const WARMUP_S = 0.5;
const CONNECTIONS = 50;

/** Which of the bench's processes a command line is, or null for any other. */
function roleOf(pid: number, cmdline: string): string | null {
  if (pid === process.pid) return "load generator";
  if (cmdline.includes("workerd")) return "workerd";
  if (cmdline.includes("scripts/serve.ts")) return "serve's Node";
  if (cmdline.includes("server-everything")) return "upstream";
  if (cmdline.includes("mcp-hub")) return "mcp-hub";
  return null;
}

/** CPU time (ms) spent so far by each role's processes. */
async function cpuByRole(): Promise<Map<string, number>> {
  const totals = new Map<string, number>();
  for (const { pid, cmdline, cpuMs } of await processCpu()) {
    const role = roleOf(pid, cmdline);
    if (role !== null) totals.set(role, (totals.get(role) ?? 0) + cpuMs);
  }
  return totals;
}

const stock = await startStockUpstream();
const service = await startService({
  runner: "serve",
  vars: { MCP_SERVERS: JSON.stringify({ mcpServers: { stock: { url: stock.url } } }), RATE_LIMITS: "off" },
});
const hub = await startMcpHub(stock.url);
try {
  await bindBenchSession(service.url, "bench", DEV_KEY);
  const paths: Array<[string, () => Promise<boolean>]> = [
    ["service", executeCall(service.url, "bench", DEV_KEY, "mcp_echo")],
    ["mcp-hub", hubEchoCall(hub)],
  ];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, call] of paths) {
      const before = await cpuByRole();
      const measured = await loopLoad({ call, connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S });
      const after = await cpuByRole();
      // The warm-up's calls are in the CPU times too: count them at the measured rate.
      const calls = measured.requests_per_sec * (DURATION_S + WARMUP_S);
      const perCall = [...after].map(([role, ms]) => [role, (ms - (before.get(role) ?? 0)) / calls] as const);
      const total = perCall.reduce((sum, [, ms]) => sum + ms, 0);
      const shares = perCall.filter(([, ms]) => ms >= 0.005).map(([role, ms]) => `${role} ${ms.toFixed(2)}`);
      console.log(
        `round ${round} ${name.padEnd(8)} ${measured.requests_per_sec} calls/s, ${measured.failures} failed; ` +
          `CPU ms per call: ${shares.join(", ")}; all ${total.toFixed(2)}`,
      );
    }
  }
} finally {
  await hub.stop();
  await service.stop();
  await stock.stop();
}
