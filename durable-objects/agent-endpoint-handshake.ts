/**
 * @module durable-objects/agent-endpoint-handshake
 * What the service says on an endpoint socket, as the MCP client, and what it does with the answers: a pure
 * state machine over the socket's stored row, so it carries on after the object hibernates.
 *
 * ## Phases (the row's `phase`)
 * - `initializing`: `initialize` (id 0) is sent as soon as the socket is accepted; the pipe starts a fresh
 *   child per connection, so this happens on every connection.
 * - `listing`: the answer to `initialize` named the server (its label comes from it); `notifications/initialized`
 *   and `tools/list` are sent, and `nextCursor` is followed page by page.
 * - `ready`: the list is complete and offered (unless over the endpoint's tool limit). A
 *   `notifications/tools/list_changed` goes back to `listing`, still offering the old list until the new one is in.
 * Both handshake phases must end by the row's `deadline` ({@link ENDPOINT_HANDSHAKE_MS}; the alarm checks it).
 * An `error` answer to either request, or a deadline missed, closes the socket with a code of
 * {@link EndpointCloseCode}.
 */
import packageJson from "../package.json";
import { ENDPOINT_HANDSHAKE_MS, MAX_ENDPOINT_TOOL_LIST_BYTES, MAX_ENDPOINT_TOOLS } from "../src/contract/endpoint";
import { utf8SizeOver } from "../src/util/text";
import { encodeNotification, encodeRequest, type EndpointMessage } from "../src/tools/endpoint/frames";
import { firstFreeName, toFunctionName } from "../src/tools/naming";
import { clip } from "../src/util/text";
import { type SocketRow, StoredTool } from "./agent-endpoint-storage";

/** The close codes an endpoint socket may get, each for one reason (a pipe's backoff grows with every close). */
export const EndpointCloseCode = {
  /** The tool side did not finish `initialize` and `tools/list` in time. */
  handshakeTimeout: 4000,
  /** The tool side answered `initialize` or `tools/list` with an error. */
  handshakeFailed: 4001,
  /** A JSON-RPC ping went unanswered: the server behind the pipe is gone or stuck. */
  pingTimeout: 4002,
  /** The endpoint's token was revoked or rotated. */
  revoked: 4003,
  /** A frame over the endpoint's frame limit (RFC 6455's "message too big"). */
  tooBig: 1009,
} as const;

/** The MCP revision the service asks for: the one every XiaoZhi tool side speaks. */
const PROTOCOL_VERSION = "2024-11-05";

/** What the socket's handling needs besides its own row. */
export interface HandshakeContext {
  now: number;
  takeRpcId(row: SocketRow): number;
  /** Labels of the endpoint's other sockets. */
  otherLabels(): Set<string>;
  /** Tools offered by the endpoint's other sockets. */
  otherToolCount(): number;
}

/** What to do after a step: frames to send, a close, and whether the offered tools changed. */
export interface Step {
  send: string[];
  close?: { code: number; reason: string };
  toolsChanged: boolean;
}

/** A fresh socket's row and its first frame, `initialize`. */
export function openSocket(socketId: number, context: HandshakeContext): { row: SocketRow; step: Step } {
  const row: SocketRow = {
    socket_id: socketId,
    label: `connection-${socketId}`,
    phase: "initializing",
    connected_at: context.now,
    deadline: context.now + ENDPOINT_HANDSHAKE_MS,
    pending_id: null,
    next_rpc_id: 0,
    server_name: null,
    server_version: null,
    ping_id: null,
    ping_sent_at: null,
    last_pong_at: null,
    tools: [],
    staged: [],
    error: null,
  };
  const id = context.takeRpcId(row);
  row.pending_id = id;
  const initialize = encodeRequest(id, "initialize", {
    protocolVersion: PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: packageJson.name, version: packageJson.version },
  });
  return { row, step: { send: [initialize], toolsChanged: false } };
}

/** Starts (or restarts, on list_changed) listing the socket's tools. */
export function startListing(row: SocketRow, context: HandshakeContext): Step {
  row.phase = "listing";
  row.staged = [];
  row.deadline = context.now + ENDPOINT_HANDSHAKE_MS;
  return { send: [listRequest(row, context, null)], toolsChanged: false };
}

/** The answer to the handshake request the row awaits. */
export function handshakeAnswer(
  row: SocketRow,
  message: Extract<EndpointMessage, { kind: "result" | "error" }>,
  context: HandshakeContext,
): Step {
  row.pending_id = null;
  const step = row.phase === "initializing" ? "initialize" : "tools/list";
  if (message.kind === "error") {
    return {
      send: [],
      close: { code: EndpointCloseCode.handshakeFailed, reason: `${step} failed: ${message.message}` },
      toolsChanged: false,
    };
  }
  if (row.phase === "initializing") return initialized(row, message.result, context);
  return listed(row, message.result, context);
}

function initialized(row: SocketRow, result: Record<string, unknown>, context: HandshakeContext): Step {
  const info =
    typeof result.serverInfo === "object" && result.serverInfo !== null ? (result.serverInfo as Record<string, unknown>) : {};
  row.server_name = typeof info.name === "string" ? clip(info.name, 100) : null;
  row.server_version = typeof info.version === "string" ? clip(info.version, 100) : null;
  row.label = firstFreeName(toFunctionName(row.server_name ?? "server").slice(0, 40) || "server", context.otherLabels());
  const step = startListing(row, context);
  return { ...step, send: [encodeNotification("notifications/initialized", {}), ...step.send] };
}

function listed(row: SocketRow, result: Record<string, unknown>, context: HandshakeContext): Step {
  const page = Array.isArray(result.tools) ? result.tools.flatMap(toStoredTool) : [];
  row.staged = [...row.staged, ...page];
  const cursor = typeof result.nextCursor === "string" && result.nextCursor !== "" ? result.nextCursor : null;
  const tooLarge = utf8SizeOver(JSON.stringify(row.staged), MAX_ENDPOINT_TOOL_LIST_BYTES) !== null;
  if (cursor !== null && row.staged.length <= MAX_ENDPOINT_TOOLS && !tooLarge)
    return { send: [listRequest(row, context, cursor)], toolsChanged: false };
  const before = JSON.stringify(row.tools);
  const total = context.otherToolCount() + row.staged.length;
  if (tooLarge) {
    row.tools = [];
    row.error = `its tool list is over ${MAX_ENDPOINT_TOOL_LIST_BYTES / 1024} KiB as JSON, the most one connection may offer: none of this server's tools are offered`;
  } else if (total > MAX_ENDPOINT_TOOLS || cursor !== null) {
    row.tools = [];
    row.error = `offers ${row.staged.length}${cursor !== null ? "+" : ""} tools, and the endpoint offers at most ${MAX_ENDPOINT_TOOLS} over all its connections: none of this server's tools are offered`;
  } else {
    row.tools = row.staged;
    row.error = null;
  }
  row.staged = [];
  row.phase = "ready";
  row.deadline = null;
  return { send: [], toolsChanged: JSON.stringify(row.tools) !== before };
}

function listRequest(row: SocketRow, context: HandshakeContext, cursor: string | null): string {
  const id = context.takeRpcId(row);
  row.pending_id = id;
  return encodeRequest(id, "tools/list", cursor === null ? {} : { cursor });
}

/** A listed tool as stored: a name, a description (empty when none), an object input schema; others are left out. */
function toStoredTool(value: unknown): StoredTool[] {
  if (typeof value !== "object" || value === null) return [];
  const tool = value as Record<string, unknown>;
  const parsed = StoredTool.safeParse({
    name: tool.name,
    description: typeof tool.description === "string" ? tool.description : "",
    inputSchema: tool.inputSchema ?? { type: "object" },
  });
  return parsed.success && parsed.data.name !== "" ? [parsed.data] : [];
}
