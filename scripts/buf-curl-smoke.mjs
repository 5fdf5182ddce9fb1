/**
 * Calls every rpc of mcp.MCPService with `buf curl` against the service as `npm start` runs it (wrangler dev,
 * local Durable Objects, the dev key), once per protocol that buf curl and a local Worker share: Connect and
 * gRPC-Web. Native gRPC is not one of them: wrangler dev speaks HTTP/1.1 only and a Worker cannot send
 * trailers (in production, Cloudflare converts gRPC to gRPC-Web in front of the Worker).
 *
 * Usage: npm run test:buf-curl [-- --port 8793]     (default: a free port; state goes to a temporary directory)
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const DEV_KEY = "dev-local-key";
const PROTOCOLS = ["connect", "grpcweb"];
const READY_TIMEOUT_MS = 90_000;

const { values } = parseArgs({ options: { port: { type: "string", default: "0" } } });

const state = mkdtempSync(join(tmpdir(), "buf-curl-smoke-"));
const server = await startService(values.port, state);
let failures = 0;
try {
  for (const protocol of PROTOCOLS) failures += await callEveryRpc(server.url, protocol);
} finally {
  server.stop();
  rmSync(state, { recursive: true, force: true });
}
if (failures > 0) {
  console.error(`buf curl: ${failures} check(s) failed`);
  process.exit(1);
}
console.log(`buf curl: every rpc answered as expected over ${PROTOCOLS.join(" and ")}`);

/** The calls a gateway makes, in order, each with the answer it must get (a subset of the fields). */
async function callEveryRpc(baseUrl, protocol) {
  const session_id = `buf-curl-${protocol}`;
  const play = { session_id, tool_name: "local_play_music" };
  const handlerCall = {
    success: true,
    action: "CALL_HANDLER",
    resultJson: { func_name: "mcp_handler_play_music", args: "稻香" },
  };
  const checks = [
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
    ["UnbindSession", { session_id }, { success: true, message: "session unbound" }],
    ["GetSession", { session_id }, { error: { code: "not_found" } }],
    ["GetTools", { session_id: "bad id" }, { error: { code: "invalid_argument" } }],
    ["GetTools", { session_id }, { error: { code: "unauthenticated", message: "invalid API key" } }, "wrong-key-1234"],
  ];
  let failed = 0;
  for (const [rpc, request, expected, key = DEV_KEY] of checks) {
    const answer = bufCurl(baseUrl, protocol, rpc, request, key);
    const ok = matches(answer, expected);
    if (!ok) failed++;
    const withKey = key === DEV_KEY ? "" : ` with key ${key}`;
    console.log(`${ok ? "ok  " : "FAIL"} ${protocol} ${rpc} ${JSON.stringify(request)}${withKey}`);
    if (!ok) console.log(`     expected ${JSON.stringify(expected)}\n     got      ${JSON.stringify(answer)}`);
  }
  return failed;
}

/** The rpc's answer, or `{error}` with the error buf curl reports. */
function bufCurl(baseUrl, protocol, rpc, request, key) {
  const args = ["curl", "--schema", "proto", "--protocol", protocol, "--emit-defaults", "-H", `Authorization: Bearer ${key}`];
  args.push("-d", JSON.stringify(request), `${baseUrl}/mcp.MCPService/${rpc}`);
  const run = spawnSync("buf", args, { encoding: "utf8" });
  if (run.status === 0) return JSON.parse(run.stdout);
  try {
    return { error: JSON.parse(run.stderr) };
  } catch {
    return { error: { exit: run.status, stderr: run.stderr.trim() } };
  }
}

/** Whether `actual` has everything `expected` has (arrays: each expected item matches some actual item). */
function matches(actual, expected) {
  if (Array.isArray(expected)) return Array.isArray(actual) && expected.every((e) => actual.some((a) => matches(a, e)));
  if (expected !== null && typeof expected === "object") {
    return actual !== null && typeof actual === "object" && Object.entries(expected).every(([k, v]) => matches(actual[k], v));
  }
  return actual === expected;
}

/** `npm start` on `port` (0: any free one), once it says where it is ready. */
function startService(port, persistTo) {
  const child = spawn("npm", ["start", "--", "--port", port, "--inspector-port", "0", "--persist-to", persistTo], {
    detached: true, // its own process group, so stop() ends wrangler and workerd with it
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stop = () => {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  let log = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`npm start was not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    const fail = (err) => {
      clearTimeout(timer);
      stop();
      reject(new Error(`${err.message}\n${log}`));
    };
    const onOutput = (chunk) => {
      log += chunk;
      // eslint-disable-next-line no-control-regex -- strips the ANSI colour codes (ESC [ … m) wrangler prints
      const ready = log.replace(/\x1b\[[0-9;]*m/g, "").match(/Ready on (http:\/\/[\w.:]+)/);
      if (ready) {
        clearTimeout(timer);
        child.stdout.off("data", onOutput);
        child.stderr.off("data", onOutput);
        child.stdout.resume();
        child.stderr.resume();
        resolve({ url: ready[1], stop });
      }
    };
    child.stdout.setEncoding("utf8").on("data", onOutput);
    child.stderr.setEncoding("utf8").on("data", onOutput);
    child.on("exit", (code) => fail(new Error(`npm start exited with ${code}`)));
  });
}
