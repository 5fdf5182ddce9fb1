/**
 * @module test/tool-sources/external.test
 * The ToolSource contract against the external source, configured with one server: the real server-everything
 * host on loopback that the global setup starts (the `stable` host, which no test stops).
 */
import { inject } from "vitest";
import { newExternalSource } from "../external-source";
import { type BuiltSource, runToolSourceContract } from "./contract";

/** Where nothing listens: connecting is refused at once. */
const CLOSED_PORT_URL = "http://127.0.0.1:9/mcp";

/** The source under test: one Streamable HTTP server named `contract` at `url`. */
async function contractSource(url: string): Promise<BuiltSource> {
  return newExternalSource({ contract: { url, transport: "streamable-http" } });
}

runToolSourceContract("external", {
  build: () => contractSource(`${inject("upstreams").urls.stable}/mcp`),
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
  buildUnreachable: () => contractSource(CLOSED_PORT_URL),
});
