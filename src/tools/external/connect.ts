/**
 * @module tools/external/connect
 * Opening one upstream MCP connection, of either protocol era, with the v2 SDK's client: reattach what the session
 * stored (a 2025-era Streamable HTTP session, or a 2026-07-28 server's `server/discover` answer: no request at
 * all), or negotiate anew: `server/discover` first, falling back to the 2025 `initialize` handshake when the
 * server does not speak 2026-07-28 (the SDK's `versionNegotiation: auto`), and with transport `auto` to the
 * legacy SSE transport when the server refuses Streamable HTTP. Retried with doubling backoff until the connect
 * deadline. Internal to the external source: {@link UpstreamConnection} decides when to connect and keeps what
 * this opens.
 */
import {
  Client,
  type ConnectOptions,
  type FetchLike,
  isSpecType,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/client/validators/cf-worker";
import packageJson from "../../../package.json";
import type { HttpServerConfig } from "../../config/mcp-servers";
import type { UpstreamTransport } from "../../contract/servers";
import type { Logger } from "../../observability/log";
import { sleep, timeoutSignal } from "../../util/abort";
import { parseJson } from "../../util/json";
import { answerLost, watchAnswers } from "./answer-watch";
import { meansTryLegacySse, upstreamMessage } from "./errors";
import { SseClientTransport } from "./sse-transport";
import type { StoredUpstreamSession, UpstreamSessionStore } from "./upstream-session";

const CLIENT_INFO = { name: packageJson.name, version: packageJson.version };

/** A server known to speak 2025-era sessions only: no `server/discover` probe. */
const LEGACY: ConnectOptions["prior"] = { kind: "legacy" };

export interface ConnectSettings {
  connectAttempts: number;
  connectBackoffMs: number;
  /** How long a connect may take, attempts and backoff included, whoever waits for it. */
  connectTimeoutMs: number;
  store: UpstreamSessionStore;
  /** How requests reach the server ({@link upstreamFetch}). */
  fetch: FetchLike;
  /** The server said its tool list changed (`notifications/tools/list_changed`). */
  onToolsChanged: () => void;
  /** The session's logger: a failed connect and a dropped answer stream are written on it. */
  logger: Logger;
}

/** A connected client and what it runs on. */
export interface OpenedClient {
  client: Client;
  transport: StreamableHTTPClientTransport | SseClientTransport;
  kind: UpstreamTransport;
  /** Aborted when the connection drops the client: ends what still runs on it outside the SDK (direct-call.ts). */
  lifetime: AbortController;
}

/** The opened client, or the last attempt's error and the message the connection reports for it. */
export type ConnectOutcome = { ok: true; opened: OpenedClient } | { ok: false; error: unknown; message: string };

/** The fetch upstream requests go out with: `network` when given (a direct network binding), else the global one. */
export function upstreamFetch(network: Fetcher | undefined): FetchLike {
  return network ? (url, init) => network.fetch(url, init) : (url, init) => fetch(url, init);
}

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
  if (!stop.aborted) settings.logger.warn("upstream_connect_failed", { server: server.name, reason: message });
  return { ok: false, error: lastError, message };
}

/** One attempt: reattach what was stored, or negotiate with the configured transport. */
async function connectOnce(server: HttpServerConfig, settings: ConnectSettings, signal: AbortSignal): Promise<OpenedClient> {
  const stored = settings.store.load(server.name);
  if (stored !== null && stored.transport === "streamable-http" && stored.url === server.url) {
    const prior = priorOf(stored);
    if (prior !== undefined)
      return open(server, settings, streamableTransport(server, settings.fetch, settings.logger, stored), signal, prior);
    settings.store.clear(server.name);
  }
  if (server.transport === "sse")
    return open(server, settings, new SseClientTransport(new URL(server.url), server.headers, settings.fetch), signal, LEGACY);
  try {
    return await open(server, settings, streamableTransport(server, settings.fetch, settings.logger), signal);
  } catch (error) {
    if (server.transport === "auto" && !signal.aborted && meansTryLegacySse(error)) {
      // The SSE transport is of the 2024-11-05 era: nothing to discover.
      return open(server, settings, new SseClientTransport(new URL(server.url), server.headers, settings.fetch), signal, LEGACY);
    }
    throw error;
  }
}

/**
 * How a stored entry is resumed: a 2025-era session by its id (the SDK skips `initialize` for a transport that has
 * one), a 2026-07-28 server by adopting its stored `server/discover` answer. Undefined for an entry that is
 * neither (it is dropped, and the server discovered again).
 */
function priorOf(stored: StoredUpstreamSession): ConnectOptions["prior"] {
  if (stored.discover === null) return stored.session_id === "" ? undefined : LEGACY;
  const discover = parseJson(stored.discover);
  return discover.ok && isSpecType.DiscoverResult(discover.value) ? { kind: "modern", discover: discover.value } : undefined;
}

/**
 * Connects a client on `transport` (closing it again on failure): with `prior`, as stored; without, negotiating
 * the era. Stores what a later connect resumes from: a 2025-era Streamable HTTP session, or a 2026-07-28 server's
 * discover answer.
 */
async function open(
  server: HttpServerConfig,
  settings: ConnectSettings,
  transport: StreamableHTTPClientTransport | SseClientTransport,
  signal: AbortSignal,
  prior?: ConnectOptions["prior"],
): Promise<OpenedClient> {
  signal.throwIfAborted();
  const client = new Client(CLIENT_INFO, {
    capabilities: {},
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
    // Probe with `server/discover`, and fall back to `initialize` when the server does not speak 2026-07-28.
    versionNegotiation: { mode: "auto" },
    // An `input_required` answer (the server asks for elicitation or sampling input) is not fulfilled here: the
    // service's callers cannot answer it, so the call fails with a typed error (see errors.ts).
    inputRequired: { autoFulfill: false },
  });
  client.setNotificationHandler("notifications/tools/list_changed", () => settings.onToolsChanged());
  // The SDK hands `signal` to the handshake's requests, not to transport.start() (the SSE GET waiting for its
  // endpoint event) nor to the discover probe: closing the transport ends those too.
  const closeTransport = () => void transport.close().catch(() => undefined);
  signal.addEventListener("abort", closeTransport, { once: true });
  try {
    await client.connect(transport, { signal, ...(prior === undefined ? {} : { prior }) });
    signal.throwIfAborted();
  } catch (error) {
    await client.close().catch(() => undefined);
    throw error;
  } finally {
    signal.removeEventListener("abort", closeTransport);
  }
  const kind: UpstreamTransport = transport instanceof StreamableHTTPClientTransport ? "streamable-http" : "sse";
  if (transport instanceof StreamableHTTPClientTransport) remember(server, settings.store, client, transport);
  if (client.getProtocolEra() === "modern" && client.getServerCapabilities()?.tools?.listChanged) {
    // A 2026-07-28 server tells list changes on a `subscriptions/listen` stream only. Not awaited: the connection
    // is ready without it, and a server that refuses it is still listed (the tool-list TTL picks changes up).
    client.listen({ toolsListChanged: true }).catch(() => undefined);
  }
  return { client, transport, kind, lifetime: new AbortController() };
}

/** Stores what lets a woken object carry on without a new handshake (or probe) with this server. */
function remember(
  server: HttpServerConfig,
  store: UpstreamSessionStore,
  client: Client,
  transport: StreamableHTTPClientTransport,
): void {
  const base = { server: server.name, url: server.url, transport: "streamable-http" as const };
  // A resumed 2025-era session negotiated nothing now: its version is the one the transport was given.
  const version = client.getNegotiatedProtocolVersion() ?? transport.protocolVersion ?? "";
  const discover = client.getDiscoverResult();
  if (client.getProtocolEra() === "modern" && discover !== undefined) {
    store.save({ ...base, session_id: "", protocol_version: version, discover: JSON.stringify(discover) });
  } else if (transport.sessionId !== undefined) {
    store.save({ ...base, session_id: transport.sessionId, protocol_version: version, discover: null });
  }
}

/**
 * A Streamable HTTP transport to `server` (resuming `stored`'s 2025-era session when given) whose requests end as
 * soon as their answer stream drops (see answer-watch.ts). Redirects are the SDK's `same-origin` policy: followed
 * within the server's origin only, so the configured headers never go elsewhere.
 */
function streamableTransport(
  server: HttpServerConfig,
  baseFetch: FetchLike,
  logger: Logger,
  stored?: StoredUpstreamSession,
): StreamableHTTPClientTransport {
  const resumed = stored !== undefined && stored.session_id !== "";
  const transport: StreamableHTTPClientTransport = new StreamableHTTPClientTransport(new URL(server.url), {
    requestInit: { headers: server.headers },
    fetch: watchAnswers((ids, reason) => {
      // Its requests end now.
      logger.warn("upstream_answer_stream_dropped", { server: server.name, requests: ids, reason });
      answerLost(transport, ids, reason);
    }, baseFetch),
    redirectPolicy: "same-origin",
    ...(resumed ? { sessionId: stored.session_id, protocolVersion: stored.protocol_version } : {}),
  });
  return transport;
}
