/**
 * @module bench/profile
 * `node bench/profile.ts [tool] [seconds]`: where an execute's CPU time goes inside workerd. Starts the stock
 * upstream and the service on `npm run serve` with a DevTools inspector, binds a session, and records a V8 CPU
 * profile of the Worker's isolate (the Worker and its Durable Objects run in it) while one caller executes `tool`
 * (default `mcp_echo`) in a loop. Prints the calls per second, then the sampled self time grouped by the
 * source module it belongs to (read from the bundle's `// path` comments; a package's files count as the
 * package), and the top functions.
 */
import { startStockUpstream } from "./peers.ts";
import { DEV_KEY, freePort, startService } from "../scripts/service.ts";

const TOOL = process.argv[2] ?? "mcp_echo";
const SECONDS = Number(process.argv[3] ?? 5);
const HEADERS = { Authorization: `Bearer ${DEV_KEY}`, "Content-Type": "application/json" };

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; scriptId: string; lineNumber: number; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A minimal DevTools protocol client: `send` awaits the answer to one command. */
async function inspect(url: string) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error(`cannot open the inspector at ${url}`));
  });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  const scripts = new Map<string, string>();
  ws.onmessage = (event) => {
    const message = JSON.parse(String(event.data)) as {
      id?: number;
      result?: unknown;
      method?: string;
      params?: { scriptId: string; url: string };
    };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
    if (message.method === "Debugger.scriptParsed" && message.params) scripts.set(message.params.scriptId, message.params.url);
  };
  const send = <T>(method: string, params: object = {}) =>
    new Promise<T>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve as (result: unknown) => void);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, scripts, close: () => ws.close() };
}

/** For each line of a bundle, the source module it came from (esbuild writes `// src/x.ts` above each). */
function moduleOfLine(source: string): (line: number) => string {
  const starts: Array<[number, string]> = [];
  source.split("\n").forEach((text, line) => {
    const match = /^\/\/ ((?:src|durable-objects|node_modules)\/\S+)$/.exec(text);
    if (match) starts.push([line, match[1]]);
  });
  return (line) => {
    let found = "(bundle)";
    for (const [start, path] of starts) {
      if (start > line) break;
      found = path;
    }
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(found);
    return pkg ? pkg[1] : found;
  };
}

function top(totals: Map<string, number>, all: number, count: number): string[] {
  return [...totals]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${((us / all) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${name}`);
}

async function main(): Promise<void> {
  const stock = await startStockUpstream();
  const inspectorPort = await freePort();
  const mcpServers = { mcpServers: { stock: { url: stock.url, transport: "streamable-http" } } };
  const service = await startService({
    runner: "serve",
    inspectorPort,
    vars: { MCP_SERVERS: JSON.stringify(mcpServers), RATE_LIMITS: "off" },
  });
  try {
    const api = `${service.url}/api/v1/mcp`;
    await fetch(`${api}/sessions/profile/bind`, {
      method: "POST",
      headers: HEADERS,
      body: JSON.stringify({ device_id: "d", client_id: "c" }),
    });
    const call = async () => {
      const res = await fetch(`${api}/tools/${TOOL}/execute`, {
        method: "POST",
        headers: HEADERS,
        body: JSON.stringify({ session_id: "profile", arguments: { message: "bench" } }),
      });
      const body = (await res.json()) as { success?: boolean };
      if (!body.success) throw new Error(`${TOOL} failed: ${JSON.stringify(body)}`);
    };
    const loopFor = async (ms: number) => {
      let calls = 0;
      for (const end = Date.now() + ms; Date.now() < end; calls++) await call();
      return calls;
    };
    await loopFor(1000);
    const devtools = await inspect(`ws://127.0.0.1:${inspectorPort}/core:user:xiaozhi-mcp-service`);
    await devtools.send("Debugger.enable");
    await devtools.send("Profiler.enable");
    await devtools.send("Profiler.setSamplingInterval", { interval: 100 });
    await devtools.send("Profiler.start");
    const calls = await loopFor(SECONDS * 1000);
    const { profile } = await devtools.send<{ profile: Profile }>("Profiler.stop");
    const mainScript = [...devtools.scripts].find(([, url]) => url.endsWith("index.js"))?.[0];
    const source = mainScript
      ? (await devtools.send<{ scriptSource: string }>("Debugger.getScriptSource", { scriptId: mainScript })).scriptSource
      : "";
    devtools.close();

    const moduleOf = moduleOfLine(source);
    const nameOf = (frame: ProfileNode["callFrame"]) => {
      const module = frame.scriptId === mainScript ? moduleOf(frame.lineNumber) : frame.url || frame.functionName;
      return `${frame.functionName || "(anonymous)"} (${module}:${frame.lineNumber + 1})`;
    };
    const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
    const byModule = new Map<string, number>();
    const byFunction = new Map<string, number>();
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    /** Self time of each function by the function that called it. */
    const byCaller = new Map<string, Map<string, number>>();
    let all = 0;
    profile.samples.forEach((id, i) => {
      const frame = byNode.get(id)?.callFrame;
      const us = profile.timeDeltas[i] ?? 0;
      if (!frame || frame.functionName === "(idle)") return;
      all += us;
      const module = frame.scriptId === mainScript ? moduleOf(frame.lineNumber) : frame.url || frame.functionName;
      byModule.set(module, (byModule.get(module) ?? 0) + us);
      const fn = nameOf(frame);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
      const caller = byNode.get(parentOf.get(id) ?? -1)?.callFrame;
      const callers = byCaller.get(fn) ?? new Map<string, number>();
      const callerName = caller ? nameOf(caller) : "(root)";
      callers.set(callerName, (callers.get(callerName) ?? 0) + us);
      byCaller.set(fn, callers);
    });
    console.log(`${TOOL}: ${calls} calls in ${SECONDS} s (${(calls / SECONDS).toFixed(0)}/s, one caller)`);
    console.log(
      `busy CPU in the Worker's isolate: ${(all / 1000).toFixed(0)} ms, ${(all / calls / 1000).toFixed(3)} ms per call`,
    );
    console.log("\nself time by module:");
    for (const line of top(byModule, all, 25)) console.log(line);
    console.log("\ntop functions:");
    for (const line of top(byFunction, all, 30)) console.log(line);
    console.log("\ncallers of the top functions:");
    for (const [fn] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 8)) {
      console.log(fn);
      for (const line of top(byCaller.get(fn) ?? new Map<string, number>(), all, 4)) console.log(`    ${line}`);
    }
  } finally {
    await service.stop();
    await stock.stop();
  }
}

await main();
