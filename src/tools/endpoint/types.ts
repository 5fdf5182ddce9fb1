/**
 * @module tools/endpoint/types
 * What an agent's endpoint object tells the sessions bound with that agent: its connections' tools (the
 * catalog) and the outcome of a call. The session's {@link EndpointLink} reaches the object over DO RPC, so
 * everything here is plain serialisable data.
 */
import type { ConnectionPhase } from "../../contract/endpoint";
import type { JsonSchemaObject } from "../../contract/tools";

/** A tool as the tool side listed it. */
export interface EndpointTool {
  name: string;
  description: string;
  inputSchema: JsonSchemaObject;
}

/** One connected MCP server, as the sessions see it. */
export interface EndpointConnection {
  /** Unique among the endpoint's open connections: the server's name from initialize (`calc`, `calc_2`). */
  label: string;
  phase: ConnectionPhase;
  /** Offered tools; empty until the first listing is complete, or when the connection is over a limit. */
  tools: EndpointTool[];
  /** Why its tools are not offered, when they are not. */
  error: string | null;
}

/** An endpoint's connections; `version` changes whenever any connection's tools do. */
export interface EndpointCatalog {
  version: number;
  connections: EndpointConnection[];
}

/** How a call through the endpoint ended. */
export type EndpointCallOutcome =
  | { kind: "result"; result: Record<string, unknown> }
  | { kind: "error"; message: string; code: number | null }
  | { kind: "timeout"; afterMs: number }
  | { kind: "unavailable"; reason: string };

/** A session's way to its agent's endpoint object. */
export interface EndpointLink {
  /** The endpoint's connections; null when the agent has no endpoint. */
  catalog(): Promise<EndpointCatalog | null>;
  /** Calls `tool` (its original name) on the connection labelled `label`. */
  call(label: string, tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<EndpointCallOutcome>;
}
