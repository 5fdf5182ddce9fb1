/**
 * @module test/endpoint-peer
 * The tool side of an agent's MCP endpoint, for the tests in workerd (which cannot spawn the real pipe): a
 * WebSocket client of `/mcp_endpoint/mcp/?token=` that behaves like mcp_pipe.py with an MCP server behind it.
 * Each line the "server" prints goes out as one frame with its trailing newline; on request it also prints stray
 * non-JSON lines, sends binary frames, answers `notifications/initialized` with an id-less result (as
 * xiaozhi-client does), pages `tools/list`, leaves pings or calls unanswered, or answers a call late.
 */
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { okBody, restGetEndpoint } from "./api";
import { pollUntil } from "./poll";

/** A tool the peer offers. `run` answers a call's result; a tool without one never answers. */
export interface PeerTool {
  name: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  run?: (args: Record<string, unknown>) => Record<string, unknown>;
  /** Answer this much later (ms) instead of at once. */
  delayMs?: number;
}

export interface PeerOptions {
  name?: string;
  version?: string;
  tools?: PeerTool[];
  /** Tools per `tools/list` page (all in one page by default). */
  pageSize?: number;
  /** Frames as binary UTF-8 instead of text. */
  binary?: boolean;
  /** A non-JSON line before each message, as a chatty child prints. */
  strayLines?: boolean;
  /** Answer `notifications/initialized` with `{"jsonrpc":"2.0","result":{}}`, no id. */
  idlessInitializedReply?: boolean;
  /** Leave `ping` unanswered (a stuck server). */
  ignorePings?: boolean;
  /** Answer nothing at all (a child that never starts). */
  silent?: boolean;
}

/** A message the service sent, parsed. */
export type ServiceMessage = {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
};

export interface Peer {
  ws: WebSocket;
  /** Every message the service sent, in order. */
  received: ServiceMessage[];
  /** The raw text of every frame the service sent. */
  frames: string[];
  closed: Promise<{ code: number; reason: string }>;
  /** Sends `line` as the child would print it (with its newline; binary when the peer is). */
  print(line: string): void;
  /** Sets the tools offered from the next listing on (a list_changed is the caller's to send). */
  setTools(tools: PeerTool[]): void;
}

/** An echo tool, answering its `text`. */
export const echoTool: PeerTool = {
  name: "echo",
  description: "Echoes the text back.",
  inputSchema: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  run: (args) => ({ content: [{ type: "text", text: String(args.text) }] }),
};

/** `GET /mcp_endpoint/mcp/?token=` with `Upgrade: websocket`; the raw response, for the refusals. */
export function requestEndpointSocket(
  token: string,
  headers: Record<string, string> = { Upgrade: "websocket" },
): Promise<Response> {
  return exports.default.fetch(`http://service.test/mcp_endpoint/mcp/?token=${encodeURIComponent(token)}`, { headers });
}

/** Connects a tool side to the endpoint of `token`. */
export async function connectPeer(token: string, options: PeerOptions = {}): Promise<Peer> {
  const res = await requestEndpointSocket(token);
  expect(res.status).toBe(101);
  const ws = res.webSocket;
  if (!ws) throw new Error("no WebSocket in the 101 response");
  ws.accept();
  let tools = options.tools ?? [echoTool];
  const received: ServiceMessage[] = [];
  const frames: string[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.addEventListener("close", (event) => resolve({ code: event.code, reason: event.reason })),
  );
  const print = (line: string) => {
    const text = `${line}\n`;
    try {
      ws.send(options.binary ? new TextEncoder().encode(text) : text);
    } catch {
      // The socket closed meanwhile.
    }
  };
  const reply = (message: object) => {
    if (options.strayLines) print("[server] stray log line, not JSON");
    print(JSON.stringify({ jsonrpc: "2.0", ...message }));
  };
  ws.addEventListener("message", (event) => {
    const text = String(event.data);
    frames.push(text);
    const message = JSON.parse(text) as ServiceMessage;
    received.push(message);
    if (options.silent) return;
    const { id, method, params = {} } = message;
    if (method === "initialize") {
      reply({
        id,
        result: {
          protocolVersion: "2024-11-05",
          capabilities: { tools: { listChanged: true } },
          serverInfo: { name: options.name ?? "peer", version: options.version ?? "1.0.0" },
        },
      });
    } else if (method === "notifications/initialized") {
      if (options.idlessInitializedReply) reply({ result: {} });
    } else if (method === "tools/list") {
      const start = typeof params.cursor === "string" ? Number(params.cursor) : 0;
      const size = options.pageSize ?? tools.length;
      const page = tools
        .slice(start, start + size)
        .map(({ name, description, inputSchema }) => ({ name, description, inputSchema }));
      const next = start + size < tools.length ? { nextCursor: String(start + size) } : {};
      reply({ id, result: { tools: page, ...next } });
    } else if (method === "ping") {
      if (!options.ignorePings) reply({ id, result: {} });
    } else if (method === "tools/call") {
      const tool = tools.find((t) => t.name === params.name);
      if (!tool) reply({ id, error: { code: -32602, message: `unknown tool ${String(params.name)}` } });
      else if (tool.run) {
        const answer = tool.run((params.arguments ?? {}) as Record<string, unknown>);
        if (tool.delayMs) setTimeout(() => reply({ id, result: answer }), tool.delayMs);
        else reply({ id, result: answer });
      }
    }
  });
  return { ws, received, frames, closed, print, setTools: (next) => (tools = next) };
}

/** Waits until the service has sent `method` on `peer` (the `count`th time), and answers that message. */
export function untilSent(peer: Peer, method: string, count = 1): Promise<ServiceMessage> {
  return pollUntil(
    () => peer.received.filter((m) => m.method === method),
    (sent) => sent.length >= count,
    `the service to send ${method} (${count})`,
  ).then((sent) => sent[count - 1]!);
}

/** Waits until the agent's endpoint shows `count` connections, all ready; answers the endpoint. */
export function untilReady(agentId: string, count = 1) {
  return pollUntil(
    async () => okBody(await restGetEndpoint(agentId)),
    (view) => view.connections.length === count && view.connections.every((c) => c.phase === "ready"),
    `${count} ready connection(s) on ${agentId}'s endpoint`,
  );
}
