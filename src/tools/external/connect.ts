/**
 * @module tools/external/connect
 * Opening one upstream MCP session for a connection: reattach the stored Streamable HTTP session (no request
 * at all), or `initialize` a new one with the configured transport (`auto` falls back to the legacy SSE
 * transport when the server asks for it), retried with doubling backoff until the connect deadline. Internal to
 * the external source: {@link UpstreamConnection} decides when to connect and keeps what this opens.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import packageJson from "../../../package.json";
import type { HttpServerConfig } from "../../config/mcp-servers";
import type { UpstreamTransport } from "../../contract/servers";
import { sleep, timeoutSignal } from "../../util/abort";
import { answerLost, watchAnswers } from "./answer-watch";
import { meansTryLegacySse, upstreamMessage } from "./errors";
import { SseClientTransport } from "./sse-transport";
import type { UpstreamSessionStore } from "./upstream-session";

const CLIENT_INFO = { name: packageJson.name, version: packageJson.version };

export interface ConnectSettings {
  connectAttempts: number;
  connectBackoffMs: number;
  /** How long a connect may take, attempts and backoff included, whoever waits for it. */
  connectTimeoutMs: number;
  store: UpstreamSessionStore;
  /** The server said its tool list changed (`notifications/tools/list_changed`). */
  onToolsChanged: () => void;
}

/** An initialized client and what it runs on. */
export interface OpenedClient {
  client: Client;
  transport: StreamableHTTPClientTransport | SseClientTransport;
  kind: UpstreamTransport;
}

/** The opened client, or the last attempt's error and the message the connection reports for it. */
export type ConnectOutcome = { ok: true; opened: OpenedClient } | { ok: false; error: unknown; message: string };

/** Connects within `connectTimeoutMs`, or less when `stop` aborts (the connection closed). Never throws. */
export async function connectWithRetries(
  server: HttpServerConfig,
  settings: ConnectSettings,
  stop: AbortSignal,
): Promise<ConnectOutcome> {
  const deadline = timeoutSignal(settings.connectTimeoutMs);
  const signal = AbortSignal.any([stop, deadline.signal]);
  let lastError: unknown;
  try {
    for (let attempt = 0; attempt < settings.connectAttempts; attempt++) {
      try {
        if (attempt > 0) await sleep(settings.connectBackoffMs * 2 ** (attempt - 1), signal);
        return { ok: true, opened: await connectOnce(server, settings, signal) };
      } catch (error) {
        lastError = error;
        if (signal.aborted) break;
      }
    }
  } finally {
    deadline.clear();
  }
  const message = deadline.signal.aborted
    ? `cannot connect to ${server.name} within ${settings.connectTimeoutMs} ms`
    : `cannot connect to ${server.name}: ${upstreamMessage(lastError)}`;
  if (!stop.aborted) console.warn("upstream connect failed", { server: server.name, reason: message });
  return { ok: false, error: lastError, message };
}

/** One attempt: reattach a stored session, or open a new one with the configured transport. */
async function connectOnce(server: HttpServerConfig, settings: ConnectSettings, signal: AbortSignal): Promise<OpenedClient> {
  const stored = settings.store.load(server.name);
  if (stored !== null && stored.transport === "streamable-http" && stored.url === server.url) {
    const transport = streamableTransport(server, stored.session_id);
    // Before open(), which stores the session again with the transport's protocol version.
    transport.setProtocolVersion(stored.protocol_version);
    return open(server, settings, transport, signal);
  }
  if (server.transport === "sse") return open(server, settings, sseTransport(server), signal);
  try {
    return await open(server, settings, streamableTransport(server), signal);
  } catch (error) {
    if (server.transport === "auto" && !signal.aborted && meansTryLegacySse(error)) {
      return open(server, settings, sseTransport(server), signal);
    }
    throw error;
  }
}

/** Initializes a client on `transport` (closing it again on failure) and stores a Streamable HTTP session. */
async function open(
  server: HttpServerConfig,
  settings: ConnectSettings,
  transport: StreamableHTTPClientTransport | SseClientTransport,
  signal: AbortSignal,
): Promise<OpenedClient> {
  signal.throwIfAborted();
  const client = new Client(CLIENT_INFO, { capabilities: {}, jsonSchemaValidator: new CfWorkerJsonSchemaValidator() });
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => settings.onToolsChanged());
  // The SDK hands `signal` to the initialize request, not to transport.start() (the SSE GET waiting for its
  // endpoint event): closing the transport ends that too.
  const closeTransport = () => void transport.close().catch(() => undefined);
  signal.addEventListener("abort", closeTransport, { once: true });
  try {
    await client.connect(transport, { signal });
    signal.throwIfAborted();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  } finally {
    signal.removeEventListener("abort", closeTransport);
  }
  const kind: UpstreamTransport = transport instanceof StreamableHTTPClientTransport ? "streamable-http" : "sse";
  if (transport instanceof StreamableHTTPClientTransport && transport.sessionId !== undefined) {
    settings.store.save({
      server: server.name,
      url: server.url,
      transport: kind,
      session_id: transport.sessionId,
      protocol_version: transport.protocolVersion ?? "",
    });
  }
  return { client, transport, kind };
}

/**
 * A Streamable HTTP transport to `server` (resuming `sessionId` when given) whose requests end as soon as their
 * answer stream drops (see answer-watch.ts). Redirects are the SDK's `same-origin` policy: followed within the
 * server's origin only, so the configured headers never go elsewhere.
 */
function streamableTransport(server: HttpServerConfig, sessionId?: string): StreamableHTTPClientTransport {
  const transport: StreamableHTTPClientTransport = new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: server.headers },
    fetch: watchAnswers((ids, reason) => {
      console.warn("upstream answer stream dropped: its requests end now", { server: server.name, requests: ids, reason });
      answerLost(transport, ids, reason);
    }),
    redirectPolicy: "same-origin",
    sessionId,
  });
  return transport;
}

function sseTransport(server: HttpServerConfig): SseClientTransport {
  return new SseClientTransport(new URL(server.url), server.headers);
}
