/**
 * @module test/tool-sources/external.test
 * The ToolSource contract against the external source, configured with one server: the real server-everything
 * host on loopback that the global setup starts (the `stable` host, which no test stops).
 */
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import serviceConfig from "../../config/service.config.json";
import { loadConfig } from "../../src/config/load";
import type { StoredUpstreamSession, UpstreamSessionStore } from "../../src/tools/external/upstream-session";
import { ExternalToolSource } from "../../src/tools/external/source";
import { type BuiltSource, runToolSourceContract } from "./contract";

/** Where nothing listens: connecting is refused at once. */
const CLOSED_PORT_URL = "http://127.0.0.1:9/mcp";

/** Upstream sessions in memory (the session object keeps them in SQLite). */
class MemoryUpstreamSessionStore implements UpstreamSessionStore {
  readonly #sessions = new Map<string, StoredUpstreamSession>();
  load(server: string): StoredUpstreamSession | null {
    return this.#sessions.get(server) ?? null;
  }
  all(): StoredUpstreamSession[] {
    return [...this.#sessions.values()];
  }
  save(session: StoredUpstreamSession): void {
    this.#sessions.set(session.server, session);
  }
  clear(server: string): void {
    this.#sessions.delete(server);
  }
}

/** The one place the external source is constructed: one Streamable HTTP server named `contract` at `url`. */
async function newExternalSource(url: string): Promise<BuiltSource> {
  const servers = JSON.stringify({ mcpServers: { contract: { url, transport: "streamable-http" } } });
  const loaded = loadConfig({ MCP_SERVERS: servers }, serviceConfig);
  if (!loaded.ok) throw new Error(loaded.message);
  const background: Array<Promise<unknown>> = [];
  const source = new ExternalToolSource({
    servers: loaded.config.mcpServers,
    settings: { ...loaded.config.external, connect_attempts: 1 },
    kv: env.TOOL_CACHE,
    store: new MemoryUpstreamSessionStore(),
    waitUntil: (promise) => background.push(promise),
    onConnectionOpened: () => {},
  });
  return {
    source,
    close: async () => {
      source.reset("the test is over");
      await Promise.allSettled(background);
    },
  };
}

runToolSourceContract("external", {
  build: () => newExternalSource(`${inject("upstreams").urls.stable}/mcp`),
  call: {
    tool: "mcp_echo",
    args: { message: "你好" },
    answers: { success: true, action: "req_llm", result: "Echo: 你好" },
  },
  unknownTool: {
    name: "mcp_no_such_tool",
    description: "not one of the server's tools",
    input_schema: { type: "object" },
    source: "external",
    original_name: "no_such_tool",
    server: "contract",
  },
  slowCall: { tool: "mcp_trigger-long-running-operation", args: { duration: 5, steps: 1 }, timeoutCode: "upstream_timeout" },
  buildUnreachable: () => newExternalSource(CLOSED_PORT_URL),
});
