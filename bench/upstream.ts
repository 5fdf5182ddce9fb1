/**
 * The bench's external MCP server: the tests' loopback host of `@modelcontextprotocol/server-everything`
 * (Streamable HTTP at `/mcp`), which counts the `initialize` requests it sees; and the direct client for the
 * proxy path's floor: the MCP SDK over one kept-open session to the same server.
 */
import { setMaxListeners } from "node:events";
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
  // The SDK's transport hangs one abort listener per request on its session-wide signal; thousands of calls
  // in one session are the point here, so Node's leak warning for new signals is lifted.
  setMaxListeners(0);
  const client = new Client({ name: "bench-direct", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return {
    echo: async () => {
      const result = await client.callTool({ name: "echo", arguments: { message: "bench" } });
      return result.isError !== true;
    },
    close: () => client.close(),
  };
}
