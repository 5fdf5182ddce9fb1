/**
 * Calls every rpc of mcp.MCPService with `buf curl` against the service as `npm start` runs it (wrangler dev,
 * local Durable Objects, the dev key), once per protocol that buf curl and a local Worker share: Connect and
 * gRPC-Web. Native gRPC is not one of them: wrangler dev speaks HTTP/1.1 only and a Worker cannot send
 * trailers (in production, Cloudflare converts gRPC to gRPC-Web in front of the Worker).
 *
 * Usage: npm run test:buf-curl [-- --port 8793]     (default: a free port; state goes to a temporary directory)
 * The service is started by scripts/service.ts, as every script here starts it.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { DEV_KEY, startService } from "./service.ts";

const PROTOCOLS = ["connect", "grpcweb"];

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Check = [rpc: string, request: Json, expected: Json, key?: string];

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

const server = await startService({ port: Number(values.port) || undefined });
let failures = 0;
try {
  for (const protocol of PROTOCOLS) failures += callEveryRpc(server.url, protocol);
} finally {
  await server.stop();
}
if (failures > 0) {
  console.error(`buf curl: ${failures} check(s) failed`);
  process.exit(1);
}
console.log(`buf curl: every rpc answered as expected over ${PROTOCOLS.join(" and ")}`);

/** The calls a gateway makes, in order, each with the answer it must get (a subset of the fields). */
function callEveryRpc(baseUrl: string, protocol: string): number {
  const session_id = `buf-curl-${protocol}`;
  const play = { session_id, tool_name: "local_play_music" };
  const handlerCall = {
    success: true,
    action: "CALL_HANDLER",
    resultJson: { func_name: "mcp_handler_play_music", args: "稻香" },
  };
  const checks: Check[] = [
    [
      "BindSession",
      { session_id, device_id: "AA:BB:CC:DD:EE:FF", client_id: "client-1" },
      { success: true, created: true, message: "session bound" },
    ],
    ["GetSession", { session_id }, { session: { sessionId: session_id, deviceId: "AA:BB:CC:DD:EE:FF", hasToken: false } }],
    ["GetTools", { session_id }, { sources: [{ source: "local", status: "ok" }] }],
    ["ExecuteTool", { ...play, arguments_json: { song_name: "稻香" } }, handlerCall],
    ["ExecuteTool", { ...play, arguments: { song_name: "稻香" } }, handlerCall],
    [
      "ExecuteTool",
      { session_id, tool_name: "local_exit", arguments_json: {} },
      { success: false, action: "ERROR", error: { code: "invalid_arguments" } },
    ],
    [
      "HandleXiaoZhiMessage",
      {
        session_id,
        message_json: { type: "mcp", payload: { jsonrpc: "2.0", method: "notifications/state_changed", params: {} } },
      },
      { success: true, result: "notification notifications/state_changed recorded" },
    ],
    ["ListServers", { session_id }, { servers: [] }],
    [
      "BatchExecuteTools",
      { session_id, calls: [{ tool_name: "local_get_time", arguments_json: {} }, { tool_name: "local_nothing_here" }] },
      {
        results: [
          { success: true, action: "REQ_LLM" },
          { success: false, error: { code: "tool_not_found" } },
        ],
      },
    ],
  ];
  const afterJobs: Check[] = [
    ["UnbindSession", { session_id }, { success: true, message: "session unbound" }],
    ["IssueAgentEndpoint", { agent_id: session_id }, { agentId: session_id, rotated: false }],
    ["GetAgentEndpoint", { agent_id: session_id }, { agentId: session_id, connections: [], limits: { sockets: 8 } }],
    ["RevokeAgentEndpoint", { agent_id: session_id }, { success: true, closedConnections: 0 }],
    ["GetAgentEndpoint", { agent_id: session_id }, { error: { code: "not_found" } }],
    ["GetSession", { session_id }, { error: { code: "not_found" } }],
    ["GetTools", { session_id: "bad id" }, { error: { code: "invalid_argument" } }],
    ["GetTools", { session_id }, { error: { code: "unauthenticated", message: "invalid API key" } }, "wrong-key-1234"],
  ];
  let failed = 0;
  const check = ([rpc, request, expected, key = DEV_KEY]: Check): Json => {
    const answer = bufCurl(baseUrl, protocol, rpc, request, key);
    const ok = matches(answer, expected);
    if (!ok) failed++;
    const withKey = key === DEV_KEY ? "" : ` with key ${key}`;
    console.log(`${ok ? "ok  " : "FAIL"} ${protocol} ${rpc} ${JSON.stringify(request)}${withKey}`);
    if (!ok) console.log(`     expected ${JSON.stringify(expected)}\n     got      ${JSON.stringify(answer)}`);
    return answer;
  };
  checks.forEach(check);
  // A job of a local tool: started, then read (it has finished by then: local tools answer at once), then
  // cancelled, which answers a finished job as it is.
  const started = check(["StartJob", { session_id, tool_name: "local_get_time" }, { job: { toolName: "local_get_time" } }]);
  const job_id = jobIdOf(started);
  const done = { job: { jobId: job_id, status: "succeeded", result: { success: true } } };
  check(["GetJob", { session_id, job_id }, done]);
  check(["CancelJob", { session_id, job_id }, done]);
  check(["GetJob", { session_id, job_id: crypto.randomUUID() }, { error: { code: "not_found" } }]);
  afterJobs.forEach(check);
  return failed;
}

/** The job id a StartJob answered ("" when it answered none, which the next checks then report). */
function jobIdOf(answer: Json): string {
  const job = answer !== null && typeof answer === "object" && !Array.isArray(answer) ? answer.job : undefined;
  const id = job !== null && typeof job === "object" && !Array.isArray(job) ? job?.jobId : undefined;
  return typeof id === "string" ? id : "";
}

/** The rpc's answer, or `{error}` with the error buf curl reports. */
function bufCurl(baseUrl: string, protocol: string, rpc: string, request: Json, key: string): Json {
  const args = ["curl", "--schema", "proto", "--protocol", protocol, "--emit-defaults", "-H", `Authorization: Bearer ${key}`];
  args.push("-d", JSON.stringify(request), `${baseUrl}/mcp.MCPService/${rpc}`);
  const run = spawnSync("buf", args, { encoding: "utf8" });
  if (run.status === 0) return JSON.parse(run.stdout) as Json;
  try {
    return { error: JSON.parse(run.stderr) as Json };
  } catch {
    return { error: { exit: run.status, stderr: run.stderr.trim() } };
  }
}

/** Whether `actual` has everything `expected` has (arrays: each expected item matches some actual item). */
function matches(actual: Json | undefined, expected: Json): boolean {
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.every((e) => actual.some((a) => matches(a, e)));
  if (expected !== null && typeof expected === "object") {
    if (actual === null || actual === undefined || typeof actual !== "object" || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => matches(actual[k], v));
  }
  return actual === expected;
}
