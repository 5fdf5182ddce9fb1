/**
 * @module durable-objects/agent-endpoint
 * One agent's MCP endpoint (the XiaoZhi "MCP 接入点"), one object per tenant and agent: users' pipe programs
 * (mcp_pipe.py, xiaozhi-client, xiaozhi-mcphub) dial in over WebSocket, and the object is the MCP client on
 * each socket. Every session bound with the agent lists and calls the sockets' tools through it.
 *
 * ## Lifecycle
 * - no endpoint: no storage; the upgrade answers 401, the RPCs null.
 * - `issue()` stores a new token's hash; issuing again rotates it, closing the sockets of the old one (4003).
 * - `fetch()` is the upgrade, checked against the hash; a socket over {@link MAX_ENDPOINT_SOCKETS} is refused
 *   before upgrading (429). Sockets are never evicted by newer ones: each keeps its own server and tools.
 * - each socket runs the handshake of agent-endpoint-handshake.ts; the alarm (agent-endpoint-keepalive.ts)
 *   enforces its deadline and sends a JSON-RPC `ping` once a ping interval (60 s, `ENDPOINT_PING_SECONDS`),
 *   closing a socket whose ping goes unanswered (4002): the pipe itself only notices a dead child when it next
 *   writes to it.
 * - `revoke()` closes every socket (4003) and deletes the endpoint (the sessions registered stay registered).
 * - the sessions bound with the agent register and unregister themselves (agent-endpoint-sessions.ts); each
 *   change of the offered tools tells them all at once, so they list again and report it as `tools_changed`.
 * Hibernation and eviction lose only the waiting of calls in flight (which keep the object awake anyway): the
 * sockets are the runtime's, their state is in SQLite (agent-endpoint-storage.ts).
 */
import { DurableObject } from "cloudflare:workers";
import { type EndpointView, MAX_ENDPOINT_FRAME_BYTES, MAX_ENDPOINT_SOCKETS } from "../src/contract/endpoint";
import type { Env } from "../src/env";
import { ApiError } from "../src/errors";
import { loggerFor } from "../src/observability/env-logger";
import {
  answerToolSideRequest,
  encodeNotification,
  encodeRequest,
  type EndpointMessage,
  parseMessage,
  readFrame,
} from "../src/tools/endpoint/frames";
import { hashSecret, joinToken, newSecret, sameHash, splitToken } from "../src/tools/endpoint/token";
import type { EndpointCallOutcome, EndpointCatalog } from "../src/tools/endpoint/types";
import { answerClose } from "./device-relay";
import { EndpointCalls } from "./agent-endpoint-calls";
import {
  EndpointCloseCode,
  type HandshakeContext,
  handshakeAnswer,
  openSocket,
  type Step,
  startListing,
} from "./agent-endpoint-handshake";
import { closeQuietly, EndpointSockets } from "./agent-endpoint-sockets";
import { dueNow, keepaliveOf, nextDueAt } from "./agent-endpoint-keepalive";
import { EndpointSessions, type SessionRegistration } from "./agent-endpoint-sessions";
import { EndpointStorage, type SocketRow } from "./agent-endpoint-storage";
import { endpointCatalog, endpointView } from "./agent-endpoint-views";

/** What issuing a token answers (the token is shown once: only its hash is kept). */
export interface IssuedToken {
  token: string;
  rotated: boolean;
  createdAt: Date;
}

export class AgentEndpointObject extends DurableObject<Env> {
  readonly #store: EndpointStorage;
  readonly #sockets: EndpointSockets;
  readonly #calls = new EndpointCalls();
  readonly #sessions: EndpointSessions;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const logger = loggerFor(env);
    this.#store = new EndpointStorage(ctx.storage, logger);
    this.#sockets = new EndpointSockets(ctx, logger);
    this.#sessions = new EndpointSessions(ctx, env);
  }

  /** A session bound with this agent: told of every change of the tools from now on (again: a no-op). */
  register(session: SessionRegistration): void {
    this.#sessions.register(session);
  }

  /** A session no longer bound with this agent; with no endpoint and no session left, nothing is kept. */
  async unregister(objectId: string): Promise<void> {
    this.#sessions.unregister(objectId);
    if (!this.#store.state() && this.#sessions.count() === 0) await this.#deleteAll();
  }

  /** Creates the endpoint, or rotates its token (closing the sockets that used the old one). */
  async issue(tenant: string, agentId: string): Promise<IssuedToken> {
    const rotated = this.#store.state() !== null;
    if (rotated) this.#closeAll("the endpoint's token was rotated");
    const secret = newSecret();
    const now = Date.now();
    this.#store.writeToken(tenant, agentId, await hashSecret(secret), now);
    return { token: joinToken(this.ctx.id.toString(), secret), rotated, createdAt: new Date(now) };
  }

  /** The endpoint and its connections; null when there is none. */
  describe(): EndpointView | null {
    const state = this.#store.state();
    return state ? endpointView(state, this.#store.sockets()) : null;
  }

  /** Revokes the token and closes every socket; answers how many there were, null when there was no endpoint. */
  async revoke(): Promise<number | null> {
    if (!this.#store.state()) return null;
    const closed = this.#closeAll("the endpoint was revoked");
    await this.ctx.storage.deleteAlarm();
    if (this.#sessions.count() > 0) this.#store.dropEndpoint();
    else await this.#deleteAll();
    return closed;
  }

  /** The connections' tools, for the sessions bound with this agent; null when there is no endpoint. */
  catalog(): EndpointCatalog | null {
    const state = this.#store.state();
    return state ? endpointCatalog(state, this.#store.sockets()) : null;
  }

  /** Calls `tool` (its original name) on the connection labelled `label`, waiting at most `timeoutMs`. */
  async call(label: string, tool: string, args: Record<string, unknown>, timeoutMs: number): Promise<EndpointCallOutcome> {
    const row = this.#store.sockets().find((r) => r.label === label);
    if (!row) return { kind: "unavailable", reason: `no server is connected to this agent's endpoint as "${label}" now` };
    if (!row.tools.some((t) => t.name === tool))
      return { kind: "error", message: `"${label}" offers no tool named ${tool}`, code: null };
    const id = this.#store.takeRpcId(row);
    if (!this.#sockets.send(row.socket_id, [encodeRequest(id, "tools/call", { name: tool, arguments: args })])) {
      return { kind: "unavailable", reason: `the connection "${label}" closed` };
    }
    const outcome = await this.#calls.wait(row.socket_id, id, timeoutMs);
    if (outcome.kind === "timeout") {
      this.#sockets.send(row.socket_id, [
        encodeNotification("notifications/cancelled", { requestId: id, reason: `timed out after ${timeoutMs} ms` }),
      ]);
    }
    return outcome;
  }

  /** The tool side's WebSocket upgrade (the Worker has checked the handshake and the token's form). */
  override async fetch(request: Request): Promise<Response> {
    const parts = splitToken(new URL(request.url).searchParams.get("token") ?? "");
    const state = this.#store.state();
    if (!parts || !state || !sameHash(await hashSecret(parts.secret), state.token_hash)) {
      return new ApiError("unauthorized", "unknown or revoked endpoint token").toResponse();
    }
    if (this.#sockets.count() >= MAX_ENDPOINT_SOCKETS) {
      return new ApiError(
        "endpoint_limit_reached",
        `this endpoint already holds ${MAX_ENDPOINT_SOCKETS} connections, its limit: stop one of the servers first`,
      ).toResponse();
    }
    const { 0: client, 1: server } = new WebSocketPair();
    const socket = this.#store.takeSocketNumber();
    this.#sockets.accept(server, socket);
    const { row, step } = openSocket(socket, this.#context(socket));
    await this.#apply(row, step);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const socket = this.#sockets.numberOf(ws);
    const row = socket === null ? null : this.#store.socket(socket);
    if (socket === null || !row) {
      closeQuietly(ws, EndpointCloseCode.revoked, "this connection's endpoint no longer exists");
      return;
    }
    const read = readFrame(message);
    if (!read.ok) {
      const reason = `a frame of ${read.bytes} bytes is over the endpoint's limit of ${MAX_ENDPOINT_FRAME_BYTES}`;
      await this.#closeSocket(row, EndpointCloseCode.tooBig, reason);
      return;
    }
    for (const line of read.lines) {
      const parsed = parseMessage(line);
      if (parsed === null) continue;
      const current = this.#store.socket(socket);
      if (!current) return;
      await this.#receive(current, parsed);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    answerClose(ws, code, reason);
    const socket = this.#sockets.numberOf(ws);
    if (socket !== null) await this.#drop(socket, `the connection closed (code ${code}${reason ? `: ${reason}` : ""})`);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    const socket = this.#sockets.numberOf(ws);
    if (socket !== null) await this.#drop(socket, `the connection failed: ${String(error)}`);
  }

  /** Handshake deadlines and pings: closes the sockets that missed one, pings those due, and re-arms. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    const keepalive = keepaliveOf(this.env);
    for (const row of this.#store.sockets()) {
      const due = dueNow(row, now, keepalive);
      if (due?.kind === "close") await this.#closeSocket(row, due.code, due.reason);
      else if (due?.kind === "ping") {
        row.ping_id = this.#store.takeRpcId(row);
        row.ping_sent_at = now;
        this.#store.writeSocket(row);
        this.#sockets.send(row.socket_id, [encodeRequest(row.ping_id, "ping", {})]);
      }
    }
    await this.#armAlarm();
  }

  async #receive(row: SocketRow, message: EndpointMessage): Promise<void> {
    switch (message.kind) {
      case "request":
        this.#sockets.send(row.socket_id, [answerToolSideRequest(message)]);
        return;
      case "notification":
        // Before its first list is in, a list_changed (xiaozhi-mcphub sends one on opening) changes nothing.
        if (message.method === "notifications/tools/list_changed" && row.phase === "ready") {
          await this.#apply(row, startListing(row, this.#context(row.socket_id)));
        }
        return;
      case "result":
      case "error":
        if (row.pending_id !== null && message.id === row.pending_id) {
          await this.#apply(row, handshakeAnswer(row, message, this.#context(row.socket_id)));
        } else if (row.ping_id !== null && message.id === row.ping_id) {
          row.ping_id = null;
          row.last_pong_at = Date.now();
          this.#store.writeSocket(row);
        } else {
          const outcome: EndpointCallOutcome =
            message.kind === "result"
              ? { kind: "result", result: message.result }
              : { kind: "error", message: message.message, code: message.code };
          // Nothing waits for it: a reply after its call's timeout, dropped.
          this.#calls.settle(row.socket_id, message.id, outcome);
        }
    }
  }

  /** Stores the row, sends the step's frames, closes if it says so, and re-arms the alarm. */
  async #apply(row: SocketRow, step: Step): Promise<void> {
    this.#store.writeSocket(row);
    this.#sockets.send(row.socket_id, step.send);
    if (step.toolsChanged) this.#toolsChanged();
    if (step.close) await this.#closeSocket(row, step.close.code, step.close.reason);
    else await this.#armAlarm();
  }

  async #closeSocket(row: SocketRow, code: number, reason: string): Promise<void> {
    this.#sockets.close(row.socket_id, code, reason);
    await this.#drop(row.socket_id, reason);
  }

  /** Forgets socket `socket`: its calls end, its tools go. */
  async #drop(socket: number, reason: string): Promise<void> {
    const row = this.#store.socket(socket);
    this.#calls.failSocket(socket, reason);
    if (!row) return;
    this.#store.deleteSocket(socket);
    if (row.tools.length > 0) this.#toolsChanged();
    await this.#armAlarm();
  }

  #closeAll(reason: string): number {
    for (const row of this.#store.sockets()) {
      this.#calls.failSocket(row.socket_id, reason);
      this.#store.deleteSocket(row.socket_id);
    }
    this.#toolsChanged();
    return this.#sockets.closeAll(EndpointCloseCode.revoked, reason);
  }

  /**
   * The one place a change of the offered tools is recorded (a server listed, re-listed or went away): the
   * catalog's version moves, and each session bound with the agent is told at once.
   */
  #toolsChanged(): void {
    this.#sessions.notifyAll(this.#store.bumpToolsVersion());
  }

  async #deleteAll(): Promise<void> {
    await this.#store.deleteAll();
    this.#sessions.dropped();
  }

  async #armAlarm(): Promise<void> {
    const keepalive = keepaliveOf(this.env);
    const due = this.#store.sockets().map((row) => nextDueAt(row, keepalive));
    if (due.length === 0) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.min(...due));
  }

  #context(socket: number): HandshakeContext {
    const others = () => this.#store.sockets().filter((r) => r.socket_id !== socket);
    return {
      now: Date.now(),
      takeRpcId: (row) => this.#store.takeRpcId(row),
      otherLabels: () => new Set(others().map((r) => r.label)),
      otherToolCount: () => others().reduce((n, r) => n + r.tools.length, 0),
    };
  }
}
