/**
 * `npm run demo`: the whole flow in one command. Starts a real upstream MCP server (server-everything, on
 * loopback), the service (`npm start`, with that server configured), the reference gateway (demo/gateway.ts,
 * using the TypeScript client) and a simulated device (demo/device.ts); then plays a conversation and prints it
 * as a sequence, who sent what to whom, with timings:
 *   hello → bind and relay → the device's tools listed → a local tool (call_handler) → an external tool
 *   (req_llm) → a device tool (set volume, the device's reply) → the service killed: the gateway's fallback
 *   takes over → the service back on the same state (the relay reopened, the device initialized again) → the
 *   device leaves: relay closed, session unbound.
 * Exits 0 when every step happened; otherwise 1, naming the steps that did not.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startUpstream, type BenchUpstream } from "../bench/upstream.ts";
import { ServiceClient, ServiceError } from "../clients/ts/src/index.ts";
import { startService, type RunningService } from "../scripts/service.ts";
import { DemoDevice } from "./device.ts";
import { ReferenceGateway, type TurnRecord } from "./gateway.ts";
import { ScriptedLlm } from "./llm.ts";
import { Timeline } from "./timeline.ts";

const DEVICE_ID = "AA:BB:CC:DD:EE:FF";
const CLIENT_ID = "3f2c8a1e-demo-client";
const SERVER_TOKEN = "demo-gateway-server-secret";
const DEADLINE_MS = 120_000;

const timeline = new Timeline({
  bind: "the gateway bound the session on the device's hello",
  relay: "the gateway opened the session's relay (features.mcp)",
  "device-tools": "the device's tools listed after initialize and tools/list over the relay",
  "local-tool": "a local tool: call_handler, run by the gateway's handler",
  "external-tool": "an external tool on the upstream MCP server: req_llm",
  "device-tool": "a device tool: set volume, the device's reply",
  "service-killed": "the service stopped",
  fallback: "the gateway's fallback answered while the service was down",
  "service-back": "the service restarted on the same state: the session still bound, the relay reopened, tools served again",
  unbind: "the device left: the relay closed and the session unbound",
});

const turns: TurnRecord[] = [];
const relayEvents: string[] = [];
let unbound: boolean | ServiceError | undefined;
let upstream: BenchUpstream | undefined;
let service: RunningService | undefined;
let gateway: ReferenceGateway | undefined;
const stateDir = await mkdtemp(join(tmpdir(), "xiaozhi-demo-state-"));
const deadline = setTimeout(() => {
  console.error(`\nthe demo did not finish within ${DEADLINE_MS / 1000} s`);
  void cleanup().then(() => finish(1));
}, DEADLINE_MS);

try {
  await play();
} catch (err) {
  console.error(`\nthe demo stopped: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}
await cleanup();
clearTimeout(deadline);
const missing = timeline.summary();
if (missing.length > 0) {
  console.error(`\ndemo: ${missing.length} step(s) did not happen: ${missing.join(", ")}`);
  finish(1);
}
console.log("\ndemo: every step happened");
finish(0);

async function play(): Promise<void> {
  const t = timeline;
  t.section("starting");
  upstream = await startUpstream();
  t.say("upstream", undefined, `server-everything (MCP, Streamable HTTP) at ${upstream.url}`);
  const vars = { MCP_SERVERS: JSON.stringify({ mcpServers: { everything: { url: upstream.url } } }) };
  service = await startService({ vars, stateDir });
  t.say("service", undefined, `npm start at ${service.url} (state in ${stateDir}; MCP_SERVERS: everything)`);

  const client = new ServiceClient({
    baseUrl: service.url,
    apiKey: service.apiKey,
    retryAttempts: 2,
    logger: (level, message, fields) => {
      if (level === "warn") t.say("gateway", undefined, `log ${level}: ${message} ${fields ? JSON.stringify(fields) : ""}`);
    },
  });
  gateway = new ReferenceGateway({
    client,
    llm: new ScriptedLlm(),
    timeline: t,
    serverToken: SERVER_TOKEN,
    visionUrl: "http://127.0.0.1:8080/api/vision",
    onTurn: (turn) => turns.push(turn),
    onBound: (sessionId) => t.reached("bind", `session ${sessionId}`),
    onRelay: (event) => {
      if (event === "open") t.reached("relay");
      relayEvents.push(event);
    },
    onSessionEnd: (_sid, answer) => (unbound = answer),
  });
  const gatewayUrl = await gateway.listen();
  t.say("gateway", undefined, `listening for devices at ${gatewayUrl}`);

  t.section("the device connects");
  const device = await DemoDevice.connect(gatewayUrl, {
    deviceId: DEVICE_ID,
    clientId: CLIENT_ID,
    visionSecret: SERVER_TOKEN,
    timeline: t,
  });
  const session = { session_id: device.sessionId };
  await until("the gateway to bind the session and open its relay", async () =>
    relayEvents.includes("open") ? true : undefined,
  );
  const deviceTools = await deviceToolsListed(client, session.session_id);
  t.say("gateway", "service", `GET /tools → the device's tools: ${deviceTools.join(", ")}`);
  if (device.sim.requests("initialize").length > 0 && device.sim.requests("tools/list").length > 0) {
    t.reached("device-tools", `${deviceTools.length} tools`);
  }

  t.section("a local tool");
  await device.say("播放稻香");
  const music = turns.at(-1);
  if (music?.result?.via === "service" && music.result.action === "call_handler" && music.handler === "mcp_handler_play_music") {
    t.reached("local-tool", `${music.call?.name} → ${music.handler}`);
  }

  t.section("an external tool (the upstream MCP server)");
  await device.say("回声：你好小智");
  const echo = turns.at(-1);
  if (
    echo?.result?.via === "service" &&
    echo.result.action === "req_llm" &&
    echo.call?.name === "mcp_echo" &&
    String(echo.result.result).includes("你好小智")
  ) {
    t.reached("external-tool", `${echo.call.name} → "${String(echo.result.result)}"`);
  }

  t.section("a device tool");
  const spoken = await device.say("把音量调到35");
  const volume = turns.at(-1);
  if (volume?.result?.via === "service" && volume.result.result === "true" && device.sim.volume === 35) {
    t.reached("device-tool", `device volume ${device.sim.volume}; the device said "${spoken.join(" ")}"`);
  }

  t.section("the service goes down");
  const port = service.port;
  await service.stop();
  service = undefined;
  t.say("service", undefined, "stopped (SIGTERM to npm start and workerd)");
  t.reached("service-killed");
  await device.say("把音量调到20");
  const fallback = turns.at(-1);
  if (fallback?.toolsVia === "fallback" && fallback.result?.via === "fallback" && device.sim.volume === 20) {
    t.reached("fallback", `${fallback.result.fallback_error?.code} → the gateway's own MCP client set the volume to 20`);
  }

  t.section("the service comes back");
  service = await startService({ vars, stateDir, keepState: true, port });
  t.say("service", undefined, `npm start again at ${service.url}, on the same state`);
  await until("the relay to reopen", async () => (relayEvents.includes("reopened") ? true : undefined));
  await deviceToolsListed(client, session.session_id);
  await device.say("现在几点");
  const time = turns.at(-1);
  if (time?.result?.via === "service" && time.result.action === "req_llm" && device.sim.requests("initialize").length === 2) {
    t.reached("service-back", `${time.call?.name} answered by the service again`);
  }

  t.section("the device leaves");
  await device.leave();
  await until("the gateway to unbind", async () => unbound);
  const gone = await client.getSession(session.session_id).catch((err: unknown) => err);
  if (unbound === true && gone instanceof ServiceError && gone.code === "session_not_found") {
    t.say("gateway", "service", `GET /sessions/${session.session_id} → ${gone.code}`);
    t.reached("unbind");
  }
}

/** Waits until the service lists the device's tools; answers their names. */
async function deviceToolsListed(client: ServiceClient, sessionId: string): Promise<string[]> {
  const listed = await until("the device's tools", async () => {
    const tools = await client.getTools(sessionId);
    return tools.sources.some((s) => s.source === "device" && s.status === "ok") ? tools : undefined;
  });
  return listed.tools.filter((tool) => tool.source === "device").map((tool) => tool.name);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cleanup(): Promise<void> {
  await gateway?.close().catch(() => {});
  await service?.stop().catch(() => {});
  await upstream?.stop().catch(() => {});
  await rm(stateDir, { recursive: true, force: true });
}

function finish(code: number): never {
  process.exit(code);
}
