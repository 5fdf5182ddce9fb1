/**
 * The bench's external MCP server: the tests' loopback host of `@modelcontextprotocol/server-everything`
 * (Streamable HTTP at `/mcp`), which counts the `initialize` requests it sees; and the direct client for the
 * proxy path's floor: the MCP SDK over one kept-open session to the same server.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UpstreamHost } from "../test/upstreams/host.ts";

export interface BenchUpstream {
  /** The Streamable HTTP endpoint. */
  url: string;
  initializeRequests(): number;
  stop(): Promise<void>;
}

export async function startUpstream(): Promise<BenchUpstream> {
  const host = new UpstreamHost();
  const base = await host.listen();
  return { url: `${base}/mcp`, initializeRequests: () => host.stats().initialize, stop: () => host.close() };
}

export interface DirectClient {
  /** Calls `echo` once; true when the upstream answered without an error. */
  echo(): Promise<boolean>;
  close(): Promise<void>;
}

/** One MCP session to the upstream, kept open, as the service keeps its own. */
export async function connectDirect(url: string): Promise<DirectClient> {
  const client = new Client({ name: "bench-direct", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { fetch: withoutSessionSignalOnPosts }));
  return {
    echo: async () => {
      const result = await client.callTool({ name: "echo", arguments: { message: "bench" } });
      return result.isError !== true;
    },
    close: () => client.close(),
  };
}

/**
 * The SDK's transport passes one session-wide abort signal to every request, and Node's fetch hangs a listener
 * on it per request until the request is collected: thousands of calls in one session (the point of a bench)
 * pile them up. The calls here need no cancelling, so POSTs go without it; the standing GET keeps it.
 */
function withoutSessionSignalOnPosts(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  return fetch(input, init?.method === "POST" ? { ...init, signal: undefined } : init);
}
