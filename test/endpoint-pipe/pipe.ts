/**
 * @module test/endpoint-pipe/pipe
 * A pipe program of our own that behaves like mcp_pipe.py (78/mcp-calculator), for the end-to-end test: it
 * dials OUT to `MCP_ENDPOINT` and shuttles messages between the socket and a stdio MCP server.
 *
 * - One socket per server: with `MCP_CONFIG` (a JSON file, `{"mcpServers": {name: {command, args}}}`) every
 *   entry opens its own socket to the same URL; otherwise the command line is the one server.
 * - A fresh child per connection, started once the socket opens, killed when it closes.
 * - Socket → child: each message (text, or binary as UTF-8) is written to stdin followed by a newline.
 * - Child → socket: each stdout line is sent as one text frame with its trailing newline, stray lines included;
 *   stderr stays local.
 * - A dead child is noticed only when a write to its stdin fails: then the socket is closed and reopened.
 * - Reconnects forever: the wait starts at `PIPE_BACKOFF_MS` (1 s), doubles up to 600 s and never resets.
 *
 * It logs one JSON line per event to stdout (`{"event": "connected", "server": …}`), which the test reads.
 * Usage: MCP_ENDPOINT=ws://… node test/endpoint-pipe/pipe.ts [command args…]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";

interface ServerEntry {
  command: string;
  args?: string[];
}

const MAX_BACKOFF_MS = 600_000;
const endpoint = process.env.MCP_ENDPOINT;
if (!endpoint) {
  console.error("set MCP_ENDPOINT to the endpoint's URL");
  process.exit(2);
}
const firstBackoffMs = Number(process.env.PIPE_BACKOFF_MS ?? 1000);

function log(event: string, fields: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ event, at: Date.now(), ...fields }));
}

function servers(): Array<[string, ServerEntry]> {
  const configPath = process.env.MCP_CONFIG;
  if (configPath) {
    const config = JSON.parse(readFileSync(configPath, "utf8")) as { mcpServers: Record<string, ServerEntry> };
    return Object.entries(config.mcpServers);
  }
  const [command, ...args] = process.argv.slice(2);
  if (!command) throw new Error("give a server command, or MCP_CONFIG");
  return [["default", { command, args }]];
}

/** Keeps one server connected, reconnecting forever with a backoff that never resets. */
async function run(name: string, entry: ServerEntry, url: string): Promise<never> {
  let backoffMs = firstBackoffMs;
  for (;;) {
    await connectOnce(name, entry, url);
    log("reconnecting", { server: name, in_ms: backoffMs });
    await new Promise((resolve) => setTimeout(resolve, backoffMs));
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  }
}

/** One connection: open the socket, start a fresh child, shuttle until the socket closes. */
function connectOnce(name: string, entry: ServerEntry, url: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    let child: ChildProcess | null = null;
    ws.addEventListener("open", () => {
      const started = spawn(entry.command, entry.args ?? [], { stdio: ["pipe", "pipe", "ignore"] });
      child = started;
      log("connected", { server: name, child_pid: started.pid });
      createInterface({ input: started.stdout }).on("line", (line) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(`${line}\n`);
      });
      started.stdin.on("error", (error) => {
        log("stdin_failed", { server: name, error: String(error) });
        ws.close(1000, "the server process is gone");
      });
      started.on("exit", (code, signal) => log("child_exited", { server: name, child_pid: started.pid, code, signal }));
    });
    ws.addEventListener("message", (event) => {
      const data: unknown = event.data;
      const text = typeof data === "string" ? data : new TextDecoder().decode(data as ArrayBuffer);
      if (child?.stdin?.writable) child.stdin.write(`${text}\n`);
      else {
        log("stdin_failed", { server: name, error: "the server process is gone" });
        ws.close(1000, "the server process is gone");
      }
    });
    ws.addEventListener("close", (event) => {
      log("closed", { server: name, code: event.code, reason: event.reason });
      child?.kill();
      resolve();
    });
    ws.addEventListener("error", () => log("socket_error", { server: name }));
  });
}

await Promise.all(servers().map(([name, entry]) => run(name, entry, endpoint)));
