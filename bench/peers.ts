/**
 * @module bench/peers
 * The processes the bench compares the service with, as their users run them: the stock
 * `@modelcontextprotocol/server-everything` CLI (`streamableHttp`, its own Express app, on `PORT`) as the upstream
 * every path shares, and `mcp-hub` (the peer gateway) in front of it, called on its REST tool-call route. Both run
 * from node_modules in their own process groups.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, ROOT, spawnGroup, stopGroup } from "../scripts/service.ts";

export interface StockUpstream {
  /** The Streamable HTTP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** Sessions the server initialized so far (it logs one line for each). */
  initializeRequests(): number;
  stop(): Promise<void>;
}

/** `server-everything streamableHttp` on a free port, resolved once it listens. */
export async function startStockUpstream(): Promise<StockUpstream> {
  const port = await freePort();
  const entry = join(ROOT, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");
  const child = spawnGroup(process.execPath, [entry, "streamableHttp"], { cwd: ROOT, env: { PORT: String(port) } });
  let initialized = 0;
  let listening = false;
  let pending = "";
  const read = (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.startsWith("Session initialized with ID")) initialized++;
      if (line.includes("listening on port")) listening = true;
    }
  };
  child.stdout?.on("data", read);
  child.stderr?.on("data", read);
  await until(() => listening, child, "server-everything did not start listening");
  return { url: `http://127.0.0.1:${port}/mcp`, initializeRequests: () => initialized, stop: () => stopGroup(child) };
}

export interface McpHub {
  /** The base URL; tools are called at `POST /api/servers/tools`. */
  url: string;
  /** The name `upstream` has in the hub's config. */
  server: string;
  stop(): Promise<void>;
}

/** mcp-hub on a free port with `upstream` as its one server, resolved once the hub reports it connected. */
export async function startMcpHub(upstream: string): Promise<McpHub> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "xiaozhi-bench-hub-"));
  const config = join(dir, "mcp-hub.json");
  const server = "everything";
  await writeFile(config, JSON.stringify({ mcpServers: { [server]: { url: upstream } } }));
  const bin = join(ROOT, "node_modules", "mcp-hub", "dist", "cli.js");
  // Its state (logs, the workspace list) goes to the XDG directories: kept out of the user's home.
  const env = { XDG_STATE_HOME: dir, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
  const child = spawnGroup(process.execPath, [bin, "--port", String(port), "--config", config], { cwd: dir, env });
  const url = `http://127.0.0.1:${port}`;
  const connected = async () => {
    const health = await fetch(`${url}/api/health`).then((r) => r.json() as Promise<{ servers?: { status: string }[] }>);
    return health.servers?.[0]?.status === "connected";
  };
  await until(() => connected().catch(() => false), child, "mcp-hub did not connect to the upstream");
  return {
    url,
    server,
    stop: async () => {
      await stopGroup(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `ready` every 100 ms for up to 30 s; fails early when `child` exits. */
async function until(ready: () => boolean | Promise<boolean>, child: ChildProcess, failure: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await ready())) {
    if (child.exitCode !== null) throw new Error(`${failure}: it exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`${failure} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
