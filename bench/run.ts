/**
 * `npm run bench`: starts a real upstream MCP server on loopback and the service as `npm start` does, runs
 * every scenario and its floor in the same run at concurrency 1 and 50, counts the upstream's `initialize`
 * requests, and writes bench/results.json and BENCHMARKS.md.
 *
 * Settings: BENCH_DURATION_S (default 5) and BENCH_WARMUP_S (default 1) per cell.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectSimulatedDevice } from "./device.ts";
import { httpLoad, loopLoad, type Measurement } from "./load.ts";
import { checkTargets, machine, writeReport, type ScenarioResult } from "./report.ts";
import { connectDirect, startUpstream } from "./upstream.ts";
import { startService } from "../scripts/service.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 1);
const CONCURRENCIES = [1, 50] as const;
const API_KEY = "dev-local-key";
const AUTH = { Authorization: `Bearer ${API_KEY}` };
const JSON_HEADERS = { ...AUTH, "Content-Type": "application/json" };
const SESSION = "bench-session";

interface Scenario {
  name: string;
  description: string;
  floor: string | null;
  measure(connections: number): Promise<Measurement>;
}

async function main(): Promise<void> {
  const upstream = await startUpstream();
  const mcpServers = { mcpServers: { everything: { url: upstream.url, transport: "streamable-http" } } };
  // The bench sends thousands of requests a second as one tenant: far over any rate limit worth having.
  const service = await startService({
    vars: { MCP_SERVERS: JSON.stringify(mcpServers), RATE_LIMITS: "off" },
    stateDir: join(ROOT, "bench", ".tmp", "state"),
  });
  const direct = await connectDirect(upstream.url);
  try {
    const bind = await fetch(`${service.url}/api/v1/mcp/sessions/${SESSION}/bind`, {
      method: "POST",
      headers: JSON_HEADERS,
      body: JSON.stringify({ device_id: "bench-device", client_id: "bench-client" }),
    });
    if (!bind.ok) throw new Error(`bind failed: ${bind.status} ${await bind.text()}`);
    const device = await connectSimulatedDevice(service.url, SESSION, API_KEY);

    const http =
      (path: string, init: { method?: "GET" | "POST"; body?: unknown } = {}) =>
      (connections: number) =>
        httpLoad({
          url: service.url + path,
          method: init.method,
          // Connect's JSON protocol is a plain POST with a JSON body, so the same headers serve both APIs.
          headers: init.body === undefined ? AUTH : JSON_HEADERS,
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
          connections,
          durationS: DURATION_S,
          warmupS: WARMUP_S,
        });

    const loop = (call: () => Promise<boolean>) => (connections: number) =>
      loopLoad({ call, connections, durationS: DURATION_S, warmupS: WARMUP_S });
    const executeExternal = async () => {
      const res = await fetch(`${service.url}/api/v1/mcp/tools/mcp_echo/execute`, {
        method: "POST",
        headers: JSON_HEADERS,
        body: JSON.stringify({ session_id: SESSION, arguments: { message: "bench" } }),
      });
      return res.ok && ((await res.json()) as { success: boolean }).success;
    };

    const scenarios: Scenario[] = [
      {
        name: "health",
        description: "`GET /health` of the same Worker: no auth, no Durable Object (the floor for everything)",
        floor: null,
        measure: http("/health"),
      },
      {
        name: "tools_list",
        description: "`GET /api/v1/mcp/tools` for a bound session",
        floor: "health",
        measure: http(`/api/v1/mcp/tools?session_id=${SESSION}`),
      },
      {
        name: "local_execute",
        description: "execute `local_get_time` (auth, validation, one Durable Object call)",
        floor: "health",
        measure: http("/api/v1/mcp/tools/local_get_time/execute", { method: "POST", body: { session_id: SESSION } }),
      },
      {
        name: "direct_sdk_echo",
        description:
          "`echo` called directly on the upstream with the MCP SDK client over one kept-open session (the floor for the proxy path; closed loop in the bench process)",
        floor: null,
        measure: loop(() => direct.echo()),
      },
      {
        name: "external_execute",
        description:
          "execute `mcp_echo` through the service: auth, validation, Durable Object, its kept-open upstream session (closed loop with fetch, like its floor)",
        floor: "direct_sdk_echo",
        measure: loop(executeExternal),
      },
      {
        name: "device_execute",
        description: "execute `self_get_device_status` on a simulated device behind the relay WebSocket, answering at once",
        floor: "health",
        measure: http("/api/v1/mcp/tools/self_get_device_status/execute", { method: "POST", body: { session_id: SESSION } }),
      },
      {
        name: "connect_get_tools",
        description: "`mcp.MCPService/GetTools` over the Connect protocol (JSON)",
        floor: "health",
        measure: http("/mcp.MCPService/GetTools", { method: "POST", body: { sessionId: SESSION } }),
      },
      {
        name: "connect_execute_local",
        description: "`mcp.MCPService/ExecuteTool` of `local_get_time` over the Connect protocol (JSON)",
        floor: "health",
        measure: http("/mcp.MCPService/ExecuteTool", {
          method: "POST",
          body: { sessionId: SESSION, toolName: "local_get_time" },
        }),
      },
    ];

    const results: ScenarioResult[] = [];
    for (const scenario of scenarios) {
      for (const connections of CONCURRENCIES) {
        process.stdout.write(`${scenario.name} at ${connections}… `);
        const measurement = await scenario.measure(connections);
        const floor = results.find((r) => r.scenario === scenario.floor && r.connections === connections);
        results.push({
          scenario: scenario.name,
          description: scenario.description,
          connections,
          measurement,
          floor: scenario.floor,
          throughput_ratio: floor ? round(measurement.requests_per_sec / floor.measurement.requests_per_sec) : null,
          added_p50_ms: floor ? round(measurement.p50_ms - floor.measurement.p50_ms) : null,
        });
        process.stdout.write(
          `${measurement.requests_per_sec} req/s, p50 ${measurement.p50_ms} ms, p99 ${measurement.p99_ms} ms\n`,
        );
      }
    }

    device.close();
    const report = {
      date: new Date().toISOString(),
      machine: machine(),
      settings: { duration_s: DURATION_S, warmup_s: WARMUP_S },
      results,
      targets: checkTargets(results),
      // The service's session and the direct client's: each should have initialized exactly once.
      upstream_initialize_requests: { sessions: 2, initialize_requests: upstream.initializeRequests() },
    };
    await writeReport(ROOT, report);
    for (const t of report.targets) console.log(`${t.met ? "met   " : "MISSED"} ${t.target}: ${t.value}`);
    console.log(
      `upstream initialize requests: ${report.upstream_initialize_requests.initialize_requests} for 2 sessions (the service's and the direct client's)`,
    );
  } finally {
    await direct.close();
    await service.stop();
    await upstream.stop();
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

await main();
