/**
 * @module test/mcp-clients
 * MCP clients of both protocol eras against the Worker's own fetch: the v1 SDK's client (2025-era: initialize,
 * then requests, a GET stream) and the v2 SDK's client pinned to 2026-07-28 (stateless, `server/discover`). Each
 * test file closes the clients it opened with {@link closeClients} after each test.
 */
import { Client as ClientV1 } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport as TransportV1 } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from "@modelcontextprotocol/client";
import { exports } from "cloudflare:workers";
import { TENANT_A_KEY } from "./keys";

const BASE = "http://service.test";

/** The MCP endpoint of the session `sessionId`. */
export const sessionEndpoint = (sessionId: string) => new URL(`${BASE}/api/v1/mcp/sessions/${sessionId}/mcp`);
/** The tenant's MCP endpoint. */
export const TENANT_ENDPOINT = new URL(`${BASE}/api/v1/mcp/mcp`);

export const workerFetch = (url: string | URL | Request, init?: RequestInit) => exports.default.fetch(url, init);
export const auth = (key = TENANT_A_KEY) => ({ headers: { Authorization: `Bearer ${key}` } });

const open: Array<{ close(): Promise<void> }> = [];

/** Closes every client opened since the last call. */
export async function closeClients(): Promise<void> {
  await Promise.all(open.splice(0).map((client) => client.close()));
}

export interface ClientOptions {
  key?: string;
  /** The fetch the transport uses (to watch its requests): the Worker's own by default. */
  fetch?: typeof workerFetch;
}

/** A 2025-era client (v1 SDK), connected: its transport holds the `Mcp-Session-Id` the server gave, if any. */
export async function legacyClient(url: URL, options: ClientOptions = {}): Promise<{ client: ClientV1; transport: TransportV1 }> {
  const client = new ClientV1({ name: "test-2025", version: "1.0.0" });
  const transport = new TransportV1(url, { fetch: options.fetch ?? workerFetch, requestInit: auth(options.key) });
  await client.connect(transport);
  open.push(client);
  return { client, transport };
}

/** A 2026-07-28 client (v2 SDK pinned to that revision), connected. */
export async function modernClient(url: URL, options: ClientOptions = {}): Promise<ClientV2> {
  const client = new ClientV2({ name: "test-2026", version: "1.0.0" }, { versionNegotiation: { mode: { pin: "2026-07-28" } } });
  await client.connect(new TransportV2(url, { fetch: options.fetch ?? workerFetch, requestInit: auth(options.key) }));
  open.push(client);
  return client;
}

/** The `_meta` envelope a 2026-07-28 request carries, for raw requests. */
export const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};

/** A raw 2026-07-28 POST of `method` with `params` (the envelope added). */
export function modernPost(url: URL, method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return workerFetch(url, {
    method: "POST",
    headers: {
      ...auth().headers,
      "Content-Type": "application/json",
      Accept: "application/json, text/event-stream",
      "MCP-Protocol-Version": "2026-07-28",
      "Mcp-Method": method,
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: { ...params, _meta: MODERN_META } }),
  });
}
