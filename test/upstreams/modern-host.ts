/**
 * @module test/upstreams/modern-host
 * An MCP server of the 2026-07-28 era only, served on 127.0.0.1 for the tests (runs in Node, from the global
 * setup): the v2 SDK's `createMcpHandler` with `legacy: "reject"`, so it is stateless (no `initialize`, no
 * `Mcp-Session-Id`), answers `server/discover`, checks the `_meta` protocol version and the `Mcp-Method`/`Mcp-Name`
 * headers, and refuses every 2025-era request with the unsupported-protocol-version error.
 *
 * Its tools: `echo`; `slow_echo` (answers after `ms`); `ask_name`, which answers with an `input_required` result
 * (an elicitation); `start_job`, which answers as a task (`io.modelcontextprotocol/tasks`).
 *
 * Steered like {@link UpstreamHost} through the control endpoint: the same counters ({@link UpstreamStats}:
 * `initialize` counts the refused handshakes), stop (refuses connections, a crash) and start, extra tools (the
 * open `subscriptions/listen` streams are told `notifications/tools/list_changed`).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type CallToolResult, createMcpHandler, inputRequired, McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { LoopbackServer, readText } from "./loopback-server.ts";
import type { UpstreamStats } from "./stats.ts";

export class ModernHost {
  readonly #server = new LoopbackServer((req, res) => this.#handle(req, res));
  readonly #extraTools = new Set<string>();
  readonly #handler = createMcpHandler(() => this.#newServer(), { legacy: "reject" });

  /** Starts listening on an ephemeral loopback port; resolves to the base URL. */
  listen(): Promise<string> {
    return this.#server.listen();
  }

  stats(): UpstreamStats {
    return this.#server.stats();
  }

  /** A crash: every connection is cut (open listen streams too), and new ones are refused until {@link start}. */
  async stop(): Promise<void> {
    this.#server.stop();
  }

  start(): void {
    this.#server.start();
  }

  addTool(name: string): void {
    this.#extraTools.add(name);
    this.#handler.notify.toolsChanged();
  }

  removeTool(name: string): void {
    this.#extraTools.delete(name);
    this.#handler.notify.toolsChanged();
  }

  async close(): Promise<void> {
    await this.stop();
    await this.#handler.close();
    await this.#server.close();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#server.counts.requests++;
    this.#server.noteHeaders(req);
    const body = await readText(req);
    this.#server.countMessages(parsedOrNothing(body));
    const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
    if (url.pathname !== "/mcp") {
      res.writeHead(404).end(`no MCP endpoint at ${url.href}`);
      return;
    }
    const aborted = new AbortController();
    res.on("close", () => aborted.abort());
    const request = new Request(url, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([key, value]) =>
        value === undefined ? [] : [[key, Array.isArray(value) ? value.join(", ") : value] as [string, string]],
      ),
      body: req.method === "GET" || req.method === "HEAD" ? undefined : body,
      signal: aborted.signal,
    });
    const response = await this.#handler.fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    if (response.headers.get("content-type")?.startsWith("text/event-stream")) this.#server.countOpenStream(res);
    const reader = response.body.getReader();
    res.on("close", () => void reader.cancel().catch(() => undefined));
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) res.write(chunk.value);
    res.end();
  }

  #newServer(): McpServer {
    const server = new McpServer(
      { name: "modern-test-upstream", version: "1.0.0" },
      { capabilities: { tools: { listChanged: true } } },
    );
    server.registerTool(
      "echo",
      { description: "Echoes the message back", inputSchema: z.object({ message: z.string() }) },
      ({ message }) => text(`Echo: ${message}`),
    );
    server.registerTool(
      "slow_echo",
      {
        description: "Echoes the message back after ms milliseconds",
        inputSchema: z.object({ message: z.string(), ms: z.number() }),
      },
      async ({ message, ms }) => {
        await new Promise((resolve) => setTimeout(resolve, ms));
        return text(`Echo: ${message}`);
      },
    );
    server.registerTool("ask_name", { description: "Asks the user for their name first (input_required)" }, () =>
      inputRequired({
        inputRequests: {
          name: inputRequired.elicit({
            message: "What is your name?",
            requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
          }),
        },
      }),
    );
    server.registerTool("start_job", { description: "Runs as a task (io.modelcontextprotocol/tasks)" }, () => taskResult());
    for (const name of this.#extraTools) {
      server.registerTool(name, { description: `Extra tool ${name}, added while running` }, () => text(`${name} ran`));
    }
    return server;
  }
}

function text(value: string): CallToolResult {
  return { content: [{ type: "text", text: value }] };
}

/** What a server of the tasks extension answers a call it runs as a task with. */
function taskResult(): CallToolResult {
  const task = { taskId: "task-1", status: "working", createdAt: new Date().toISOString(), ttl: 60_000 };
  return { resultType: "task", task, content: [] };
}

/** A request body's JSON, or nothing when it is empty or not JSON (the server answers that itself). */
function parsedOrNothing(body: string): unknown {
  try {
    return body ? JSON.parse(body) : undefined;
  } catch {
    return undefined;
  }
}
