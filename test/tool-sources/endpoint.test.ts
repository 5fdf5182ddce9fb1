/**
 * @module test/tool-sources/endpoint.test
 * The ToolSource contract against the endpoint source: a real agent endpoint object (through its RPC, as a
 * session reaches it) with the tool side of test/endpoint-peer.ts connected, or with nothing connected.
 */
import { env } from "cloudflare:workers";
import { endpointLink } from "../../durable-objects/session-sources";
import { EndpointToolSource } from "../../src/tools/endpoint/source";
import { okBody, restIssueEndpoint } from "../api";
import { connectPeer, echoTool, untilReady } from "../endpoint-peer";
import { CONTRACT_SESSION, type BuiltSource, runToolSourceContract } from "./contract";

let agents = 0;

/** The one place the endpoint source is constructed: for a new agent, with a server connected or none. */
async function newEndpointSource(connected: "connected" | "none" = "connected"): Promise<BuiltSource> {
  const agentId = `contract-${++agents}`;
  const { token } = okBody(await restIssueEndpoint(agentId));
  const link = endpointLink(env, CONTRACT_SESSION.tenant, agentId);
  const source = new EndpointToolSource({ agent: () => ({ agentId, link }), onToolsChanged: () => undefined });
  if (connected === "none") return { source };
  // `wait` has no answer: the timeout and cancellation cases.
  const peer = await connectPeer(token, { name: "peer", tools: [echoTool, { name: "wait", description: "Never answers." }] });
  await untilReady(agentId);
  return { source, close: async () => peer.ws.close(1000, "the test is over") };
}

runToolSourceContract("endpoint", {
  build: newEndpointSource,
  call: { tool: "echo", args: { text: "contract" }, answers: { success: true, action: "req_llm", result: "contract" } },
  unknownTool: {
    name: "no_such_tool",
    description: "not one of the server's tools",
    input_schema: { type: "object" },
    source: "endpoint",
    original_name: "no_such_tool",
    server: "peer",
  },
  slowCall: { tool: "wait", args: {}, timeoutCode: "upstream_timeout" },
  buildUnreachable: () => newEndpointSource("none"),
});
