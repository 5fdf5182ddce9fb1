/**
 * @module test/upstreams/host
 * A real `@modelcontextprotocol/server-everything` served on 127.0.0.1, for the tests (runs in Node, from the
 * global setup). One host speaks both transports on one port: Streamable HTTP at `/mcp`, SSE at `/sse`
 * (+ `/message`), with the same session handling as the package's own launchers. Those launchers cannot be
 * used as they are: they listen on every interface, and tests may only listen on loopback.
 *
 * What the tests need on top, all outside the MCP traffic itself:
 * - counters: `initialize` requests, JSON-RPC messages by method, connections refused while stopped;
 * - stop/start: stopping drops every session and refuses connections (a crashed server); starting again
 *   gives a server that knows none of the old sessions (a restarted one);
 * - extra tools: registered on live sessions (the server then sends `notifications/tools/list_changed`) and
 *   on new ones; removing one only affects sessions started afterwards (a redeploy);
 * - an optional bearer token every request must carry, and the headers of the last request seen;
 * - how many Streamable HTTP sessions clients ended themselves (DELETE of a session the host knows), and how
 *   many event streams (SSE sessions, Streamable HTTP GET streams) are open;
 * - a held-back SSE start: new event streams answer only after a delay (a slow server), or answer their
 *   headers but never the `endpoint` event (a stuck one);
 * - a redirect: any request to `/redirect?to=<url>` is answered `307` to `<url>` (on any host, token or not),
 *   and every request is counted, so a test can tell whether a redirect was followed to another host;
 * - an unknown path is answered 404 with a message that quotes the full URL asked for;
 * - quirks, at `/mcp-quirks` (Streamable HTTP; with `?json` its POSTs are answered with JSON rather than event
 *   streams): its sessions have two more tools, `ping_client` (sends the client a `ping` request in the middle of the
 *   call, on the call's own stream, and answers naming the request id once the client answered it),
 *   `polled_echo` (closes the call's stream at once and answers 150 ms later: the client must resume the stream
 *   with `Last-Event-ID`, the 2025-11-25 polling; quirks sessions keep their events for that) and `malformed_result`
 *   (answered by the host itself with a content block of no type MCP knows).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { InMemoryEventStore } from "@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js";
import { EmptyResultSchema } from "@modelcontextprotocol/sdk/types.js";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { createServer as createEverything } from "@modelcontextprotocol/server-everything/dist/server/index.js";
import { LoopbackServer, readText } from "./loopback-server.ts";
import type { UpstreamStats } from "./stats.ts";

/** How a new SSE stream starts: at once, after this many milliseconds, or never (headers only). */
export type SseStart = "now" | number | "never";

interface LiveSession {
  mcp: McpServer;
  close: () => Promise<void>;
}

type Transport = StreamableHTTPServerTransport | SSEServerTransport;

export class UpstreamHost {
  readonly #server = new LoopbackServer((req, res) => this.#handle(req, res));
  readonly #sessions = new Map<string, { transport: Transport; live: LiveSession }>();
  readonly #extraTools = new Set<string>();
  #sseStart: SseStart = "now";

  readonly #options: { requiredToken?: string };

  constructor(options: { requiredToken?: string } = {}) {
    this.#options = options;
  }

  /** Starts listening on an ephemeral loopback port; resolves to the base URL. */
  listen(): Promise<string> {
    return this.#server.listen();
  }

  stats(): UpstreamStats {
    return this.#server.stats();
  }

  /** A crash: every session is gone and every connection is cut; new ones are refused until {@link start}. */
  async stop(): Promise<void> {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    this.#server.stop();
    await Promise.all(sessions.map(({ live }) => live.close().catch(() => undefined)));
  }

  /** Back up, knowing none of the sessions it had. */
  start(): void {
    this.#server.start();
  }

  addTool(name: string): void {
    this.#extraTools.add(name);
    for (const { live } of this.#sessions.values()) registerExtraTool(live.mcp, name);
  }

  /** Only sessions started afterwards lack the tool: combine with stop/start for a redeploy without it. */
  removeTool(name: string): void {
    this.#extraTools.delete(name);
  }

  /** How SSE streams opened from now on start. */
  holdSseStart(start: SseStart): void {
    this.#sseStart = start;
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#server.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://upstream.test");
    this.#server.counts.requests++;
    const redirectTo = url.pathname === "/redirect" ? url.searchParams.get("to") : null;
    if (redirectTo !== null) {
      req.resume();
      res.writeHead(307, { Location: redirectTo }).end();
      return;
    }
    this.#server.noteHeaders(req);
    if (this.#options.requiredToken !== undefined && req.headers.authorization !== `Bearer ${this.#options.requiredToken}`) {
      res.writeHead(401, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "missing or wrong bearer token" }));
      return;
    }
    const text = req.method === "POST" ? await readText(req) : "";
    const body: unknown = text ? JSON.parse(text) : undefined;
    this.#server.countMessages(body);

    if (url.pathname === "/mcp") return this.#streamable(req, res, body);
    if (url.pathname === "/mcp-quirks") return this.#streamable(req, res, body, { json: url.searchParams.has("json") });
    if (url.pathname === "/sse" && req.method === "GET") return this.#openSse(res);
    if (url.pathname === "/message" && req.method === "POST") {
      const session = this.#sessions.get(url.searchParams.get("sessionId") ?? "");
      if (!session || !(session.transport instanceof SSEServerTransport)) {
        res.writeHead(404).end("unknown session");
        return;
      }
      return session.transport.handlePostMessage(req, res, body);
    }
    // Quoting the full URL, query string and all, as many servers' error pages do.
    res.writeHead(404).end(`no MCP endpoint at http://${req.headers.host}${req.url}`);
  }

  /** A Streamable HTTP request; `quirks` for `/mcp-quirks` (see the header). */
  async #streamable(req: IncomingMessage, res: ServerResponse, body: unknown, quirks?: { json: boolean }): Promise<void> {
    const sessionId = req.headers["mcp-session-id"];
    const session = typeof sessionId === "string" ? this.#sessions.get(sessionId) : undefined;
    const malformedCall = quirks ? callOf(body, "malformed_result") : undefined;
    if (session && malformedCall !== undefined) {
      const answer = JSON.stringify({ jsonrpc: "2.0", id: malformedCall, result: { content: [{ type: "hologram" }] } });
      if (quirks?.json) return void res.writeHead(200, { "Content-Type": "application/json" }).end(answer);
      return void res.writeHead(200, { "Content-Type": "text/event-stream" }).end(`event: message\ndata: ${answer}\n\n`);
    }
    if (session && session.transport instanceof StreamableHTTPServerTransport) {
      if (req.method === "DELETE") this.#server.counts.terminated++;
      if (req.method === "GET") this.#server.countOpenStream(res);
      return session.transport.handleRequest(req, res, body);
    }
    if (sessionId === undefined && req.method === "POST") {
      const live = this.#newServer(quirks !== undefined);
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: quirks?.json ?? false,
        // Quirks sessions give their events ids and may close a call's stream early: clients resume (polling).
        ...(quirks ? { eventStore: new InMemoryEventStore(), retryInterval: 50 } : {}),
        onsessioninitialized: (id) => {
          this.#sessions.set(id, { transport, live });
        },
      });
      await live.mcp.connect(transport);
      // The client ended the session (DELETE): forget it, as the package's launcher does.
      live.mcp.server.onclose = () => {
        if (transport.sessionId !== undefined) this.#sessions.delete(transport.sessionId);
      };
      return transport.handleRequest(req, res, body);
    }
    // What the package's launcher answers to an id it does not know (after a restart, for instance).
    res.writeHead(400, { "Content-Type": "application/json" }).end(
      JSON.stringify({
        jsonrpc: "2.0",
        error: { code: -32000, message: "Bad Request: No valid session ID provided" },
        id: null,
      }),
    );
  }

  async #openSse(res: ServerResponse): Promise<void> {
    this.#server.countOpenStream(res);
    const start = this.#sseStart;
    if (start === "never") {
      res.writeHead(200, { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" }).flushHeaders();
      return;
    }
    if (start !== "now") {
      await new Promise((resolve) => setTimeout(resolve, start));
      if (res.destroyed) return;
    }
    const live = this.#newServer();
    const transport = new SSEServerTransport("/message", res);
    this.#sessions.set(transport.sessionId, { transport, live });
    res.on("close", () => this.#sessions.delete(transport.sessionId));
    await live.mcp.connect(transport);
  }

  #newServer(quirks = false): LiveSession {
    const { server, cleanup } = createEverything();
    for (const name of this.#extraTools) registerExtraTool(server, name);
    if (quirks) registerQuirks(server);
    return {
      mcp: server,
      close: async () => {
        cleanup(undefined);
        await server.close();
      },
    };
  }
}

function registerExtraTool(server: McpServer, name: string): void {
  server.registerTool(name, { description: `Extra tool ${name}, added while running` }, async () => ({
    content: [{ type: "text", text: `${name} ran` }],
  }));
}

function registerQuirks(server: McpServer): void {
  server.registerTool("ping_client", { description: "Pings the client in the middle of the call" }, async (extra) => {
    await extra.sendRequest({ method: "ping" }, EmptyResultSchema);
    return { content: [{ type: "text" as const, text: `the client answered the ping (request ${String(extra.requestId)})` }] };
  });
  server.registerTool("polled_echo", { description: "Closes the call's stream, then answers" }, async (extra) => {
    extra.closeSSEStream?.();
    await new Promise((resolve) => setTimeout(resolve, 150));
    return { content: [{ type: "text" as const, text: "answered after the stream closed" }] };
  });
  // Listed like any tool; its calls are answered by the host itself (see `#streamable`): the SDK's server would
  // not send a result that breaks the protocol.
  server.registerTool("malformed_result", { description: "Answers a content block of no known type" }, () => ({ content: [] }));
}

/** The id of a `tools/call` of `tool` in a POST body, if the body is one. */
function callOf(body: unknown, tool: string): string | number | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const { method, id, params } = body as { method?: unknown; id?: unknown; params?: { name?: unknown } };
  if (method !== "tools/call" || params?.name !== tool) return undefined;
  return typeof id === "string" || typeof id === "number" ? id : undefined;
}
