/**
 * `npm run test:alerts`: the alert rules (ops/alerts/prometheus-rules.yml) checked by `promtool check rules`, then
 * evaluated against this service's own figures. It starts the service as `npm start` does (with a real upstream
 * MCP server on loopback for slow calls), scrapes `/metrics`, sends fast successful executions, scrapes again,
 * sends failing and slow ones, and scrapes a third time. Each pair of scrapes becomes promtool `input_series`
 * (every series growing each minute by what it grew between the two scrapes: that traffic, sustained), and
 * `promtool test rules` checks that nothing fires on the first and that the error-rate and latency alerts fire on
 * the second. Prints SKIPPED and exits 0 where promtool is missing (Debian: `apt-get install prometheus`).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startUpstream } from "../bench/upstream.ts";
import { parseSamples } from "./prometheus-samples.ts";
import { DEV_METRICS_TOKEN, ROOT, startService } from "./service.ts";

const RULES = join(ROOT, "ops", "alerts", "prometheus-rules.yml");
const SESSION = "alerts-check";
/** Minutes of sustained traffic the input series describe: past every rule's `for` plus its 5 m window. */
const MINUTES = 15;
const SLOW_TOOL = "mcp_trigger-long-running-operation";

/** Each alert's annotations as the rules file writes them (promtool compares them exactly). */
const ANNOTATIONS: Record<string, { summary: string; description: string }> = {
  MCPServiceDown: { summary: "MCP服务不可用", description: "Prometheus cannot scrape the MCP service's /metrics." },
  MCPHighErrorRate: {
    summary: "MCP工具执行错误率过高",
    description: "More than 10% of tool executions failed over the last 5 minutes.",
  },
  MCPHighLatency: {
    summary: "MCP工具执行延迟过高",
    description: "The 95th percentile of tool execution time has been over 1 s for 5 minutes.",
  },
};

if (spawnSync("promtool", ["--version"]).error) {
  console.log("alert rules: SKIPPED (promtool not found; Debian: apt-get install prometheus)");
  process.exit(0);
}
const check = spawnSync("promtool", ["check", "rules", RULES], { encoding: "utf8" });
if (check.status !== 0) {
  console.error(`alert rules: promtool check rules failed:\n${check.stdout}${check.stderr}`);
  process.exit(1);
}

const upstream = await startUpstream();
const service = await startService({
  vars: { MCP_SERVERS: JSON.stringify({ mcpServers: { everything: { url: upstream.url } } }), RATE_LIMITS: "off" },
});
const dir = await mkdtemp(join(tmpdir(), "xiaozhi-alerts-"));
try {
  const api = (path: string, body: unknown) =>
    fetch(`${service.url}${path}`, {
      method: "POST",
      headers: { Authorization: `Bearer ${service.apiKey}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  const execute = async (tool: string, args: Record<string, unknown>) =>
    (await (await api(`/api/v1/mcp/tools/${tool}/execute`, { session_id: SESSION, arguments: args })).text()).length;
  const bind = await api(`/api/v1/mcp/sessions/${SESSION}/bind`, { device_id: "alerts-device", client_id: "alerts" });
  if (!bind.ok) fail(`bind failed: ${bind.status} ${await bind.text()}`);

  const scrape0 = await scrapeUntil(0);
  // Fast and successful: nothing may fire.
  await Promise.all(Array.from({ length: 20 }, () => execute("local_get_time", {})));
  const scrape1 = await scrapeUntil(20);
  // A third of them failing, a quarter of them slower than the p95 threshold.
  await Promise.all([
    ...Array.from({ length: 10 }, () => execute("local_get_time", {})),
    ...Array.from({ length: 10 }, () => execute("local_exit", {})),
    ...Array.from({ length: 5 }, () => execute("no_such_tool", {})),
    ...Array.from({ length: 10 }, () => execute(SLOW_TOOL, { duration: 1.5, steps: 1 })),
  ]);
  const scrape2 = await scrapeUntil(55);

  const testFile = join(dir, "alerts.test.yml");
  await writeFile(testFile, JSON.stringify(ruleTests(scrape0, scrape1, scrape2), null, 2));
  const run = spawnSync("promtool", ["test", "rules", testFile], { encoding: "utf8" });
  if (run.status !== 0) fail(`promtool test rules failed:\n${run.stdout}${run.stderr}`);
  console.log(
    `alert rules: promtool check and test passed (scrapes after 20 and 55 executions: ` +
      `error share ${errorShare(scrape1, scrape2).toFixed(2)}, nothing firing on fast successes; ` +
      "MCPHighErrorRate and MCPHighLatency firing on the failing and slow traffic; MCPServiceDown on a missed scrape)",
  );
} catch (error) {
  console.error(`alert rules: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await service.stop();
  await upstream.stop();
  await rm(dir, { recursive: true, force: true });
}

/** Scrapes until `mcp_tool_execution_total` adds up to `executions` (the counts arrive in the background). */
async function scrapeUntil(executions: number): Promise<Map<string, number>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const res = await fetch(`${service.url}/metrics`, { headers: { Authorization: `Bearer ${DEV_METRICS_TOKEN}` } });
    if (res.status !== 200) fail(`/metrics answered ${res.status}: ${await res.text()}`);
    const samples = parseSamples(await res.text());
    const counted = [...samples].filter(([s]) => s.startsWith("mcp_tool_execution_total{")).reduce((n, [, v]) => n + v, 0);
    if (counted === executions) return samples;
    if (counted > executions || Date.now() > deadline) fail(`/metrics counts ${counted} executions, expected ${executions}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The share of executions between two scrapes that failed. */
function errorShare(from: Map<string, number>, to: Map<string, number>): number {
  let errors = 0;
  let all = 0;
  for (const [series, value] of to) {
    if (!series.startsWith("mcp_tool_execution_total{")) continue;
    const grew = value - (from.get(series) ?? 0);
    all += grew;
    if (series.includes('status="error"')) errors += grew;
  }
  return errors / all;
}

/** Each execution series from `from`, growing every minute by what it grew until `to` (promtool's `a+bxN`). */
function sustained(from: Map<string, number>, to: Map<string, number>) {
  return [...to]
    .filter(([series]) => series.startsWith("mcp_tool_execution_"))
    .map(([series, value]) => {
      const start = from.get(series) ?? 0;
      return { series, values: `${start}+${value - start}x${MINUTES}` };
    });
}

/** promtool's test file: the first pair of scrapes fires nothing, the second fires every alert. */
function ruleTests(scrape0: Map<string, number>, scrape1: Map<string, number>, scrape2: Map<string, number>) {
  const at = `${MINUTES}m`;
  const quiet = (alertname: string) => ({ eval_time: at, alertname, exp_alerts: [] });
  const firing = (alertname: string, exp_labels: Record<string, string>) => ({
    eval_time: at,
    alertname,
    exp_alerts: [{ exp_labels, exp_annotations: ANNOTATIONS[alertname] }],
  });
  return {
    rule_files: [RULES],
    evaluation_interval: "1m",
    tests: [
      {
        interval: "1m",
        input_series: [...sustained(scrape0, scrape1), { series: 'up{job="mcp-service"}', values: `1x${MINUTES}` }],
        alert_rule_test: Object.keys(ANNOTATIONS).map(quiet),
      },
      {
        interval: "1m",
        input_series: [...sustained(scrape1, scrape2), { series: 'up{job="mcp-service"}', values: `1 0x${MINUTES}` }],
        alert_rule_test: [
          firing("MCPServiceDown", { severity: "critical", job: "mcp-service" }),
          firing("MCPHighErrorRate", { severity: "warning" }),
          firing("MCPHighLatency", { severity: "warning" }),
        ],
      },
    ],
  };
}

/** Ends the check as failed (the service is stopped on the way out). */
function fail(message: string): never {
  throw new Error(message);
}
