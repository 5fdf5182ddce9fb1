/**
 * @module test/upstreams/loopback-server
 * What both test hosts (host.ts, modern-host.ts) do around their MCP traffic: an HTTP server on 127.0.0.1 that
 * can crash and come back (stopped, it cuts every connection and refuses new ones, counting them), and the
 * counters the control endpoint reports ({@link UpstreamStats}). Each host hands it the function that serves a
 * request, and calls the counting helpers where its requests pass.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { UpstreamStats } from "./stats.ts";

export class LoopbackServer {
  readonly #http: Server;
  #running = true;
  #openStreams = 0;
  /** The counters; the host adds to those only it can tell (`terminated`). */
  readonly counts: UpstreamStats = {
    initialize: 0,
    methods: {},
    refused: 0,
    requests: 0,
    running: true,
    last_headers: {},
    terminated: 0,
    open_streams: 0,
  };

  constructor(serve: (req: IncomingMessage, res: ServerResponse) => Promise<void>) {
    this.#http = createServer((req, res) => {
      serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(error));
        else res.destroy();
      });
    });
    this.#http.on("connection", (socket) => {
      if (this.#running) return;
      this.counts.refused++;
      socket.destroy();
    });
  }

  /** Starts listening on an ephemeral loopback port; resolves to the base URL. */
  listen(): Promise<string> {
    return new Promise((resolve) => {
      this.#http.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(this.#http.address() as AddressInfo).port}`));
    });
  }

  stats(): UpstreamStats {
    return { ...this.counts, running: this.#running, open_streams: this.#openStreams };
  }

  /** A crash: every connection is cut, and new ones are refused until {@link start}. */
  stop(): void {
    this.#running = false;
    this.#http.closeAllConnections();
  }

  start(): void {
    this.#running = true;
  }

  /** Stops, and stops listening. */
  async close(): Promise<void> {
    this.stop();
    await new Promise((resolve) => this.#http.close(resolve));
  }

  /** Remembers the headers of `req` as the last seen. */
  noteHeaders(req: IncomingMessage): void {
    this.counts.last_headers = Object.fromEntries(
      Object.entries(req.headers).map(([key, value]) => [key, Array.isArray(value) ? value.join(", ") : (value ?? "")]),
    );
  }

  /** Counts the JSON-RPC messages of a request body (one message or a batch) by method. */
  countMessages(body: unknown): void {
    for (const message of Array.isArray(body) ? body : [body]) {
      const method = typeof message === "object" && message !== null ? (message as { method?: unknown }).method : undefined;
      if (typeof method !== "string") continue;
      this.counts.methods[method] = (this.counts.methods[method] ?? 0) + 1;
      if (method === "initialize") this.counts.initialize++;
    }
  }

  /** Counts `res` as an open event stream until it closes. */
  countOpenStream(res: ServerResponse): void {
    this.#openStreams++;
    res.on("close", () => this.#openStreams--);
  }
}

/** A request's body as text (empty when it has none). */
export async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
