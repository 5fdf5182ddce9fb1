/**
 * @module durable-objects/session
 * One device session: its binding, its tool sources, and its idle expiry.
 *
 * ## Lifecycle
 * - unbound: no storage at all. Every call but `bind` answers `session_not_found`.
 * - bound: the binding row is in SQLite; each call refreshes `last_used_at` (persisted at most once a
 *   minute) and the alarm stands at `last_used_at + idle TTL`.
 * - `unbind()` or the alarm finding the session idle past its TTL: pending calls are aborted, the device
 *   relay is closed and `deleteAll()` drops the binding and the alarm, back to unbound. The external servers'
 *   stored sessions are ended upstream in the background.
 * Eviction loses only memory: the binding is read back from SQLite on the next call, and the external
 *   servers' Streamable HTTP sessions are resumed from SQLite without a new `initialize`.
 *
 * ## Device relay
 * `fetch` is only the relay's WebSocket upgrade (everything else is RPC). The relay is accepted with the
 * hibernation API and handed to the {@link DevicePeer}; its frames arrive in `webSocketMessage`, and the same
 * frames sent over HTTP arrive in `handleDeviceFrame`. While a relay is open with a vision token, the alarm
 * also wakes the object to re-initialise the device before the token expires.
 */
import { DurableObject } from "cloudflare:workers";
import { loadConfig } from "../src/config/load";
import type { ServiceConfig } from "../src/config/schema";
import type { Env } from "../src/env";
import { ApiError } from "../src/errors";
import { type FrameParse, parseFrame, parseFrameText } from "../src/tools/device/frames";
import { DevicePeer, type FrameReceipt, type InitializeInput } from "../src/tools/device/peer";
import { DeviceToolSource } from "../src/tools/device/source";
import { endUpstreamSessions } from "../src/tools/external/end-sessions";
import { ExternalToolSource, type ServerStatus } from "../src/tools/external/source";
import { coerceArguments } from "../src/tools/coerce";
import { LocalToolSource } from "../src/tools/local/source";
import { ToolRouter } from "../src/tools/router";
import type { ExecutionResult, SessionContext } from "../src/tools/types";
import { RelayCloseCode, RelaySockets, relayAutoResponse } from "./device-relay";
import type { SqlDeviceStore } from "./device-storage";
import type {
  BindCommand,
  BindOutcome,
  DeviceView,
  ExecuteCommand,
  SessionErrorCode,
  SessionOutcome,
  SessionView,
  ToolList,
} from "./session-api";
import { type BindingRow, SessionStorage } from "./session-storage";

/** How stale the stored `last_used_at` may get before a call writes it (and moves the alarm). */
const LAST_USED_PERSIST_INTERVAL_MS = 60_000;

export class SessionObject extends DurableObject<Env> {
  /** undefined: not read from storage yet; null: not bound. */
  #binding: BindingRow | null | undefined;
  /** Aborted when the session is unbound or expires, cancelling whatever is still running for it. */
  #lifetime = new AbortController();
  /** The session's tool sources, kept for the object's life so they can hold connections. */
  #toolRouter: ToolRouter | undefined;
  /** The device's JSON-RPC peer: its pending calls live as long as the object. */
  #devicePeer: DevicePeer | undefined;
  /** The external servers' source (also in the router): its connections are closed when the session ends. */
  #external: ExternalToolSource | undefined;
  readonly #storage: SessionStorage;
  readonly #deviceStore: SqlDeviceStore;
  readonly #relays: RelaySockets;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#storage = new SessionStorage(ctx.storage);
    this.#deviceStore = this.#storage.device;
    this.#relays = new RelaySockets(ctx);
    ctx.setWebSocketAutoResponse(relayAutoResponse());
  }

  async bind(command: BindCommand): Promise<BindOutcome> {
    const config = this.#config();
    const existing = this.#load();
    const now = Date.now();
    const row: BindingRow = {
      tenant: command.tenant,
      session_id: command.sessionId,
      device_id: command.device_id,
      client_id: command.client_id,
      vision_url: command.vision_url ?? null,
      token: command.token ?? null,
      bound_at: existing?.bound_at ?? now,
      updated_at: now,
      last_used_at: now,
    };
    this.#storage.writeBinding(row);
    this.#binding = row;
    await this.#armAlarm(row);
    // Binding answers at once; listing the tools (which may reach upstream servers) warms up meanwhile.
    this.ctx.waitUntil(
      this.#router(config, row)
        .list()
        .then(
          () => undefined,
          (error: unknown) =>
            console.warn("listing the tools after bind failed", { session: row.session_id, error: String(error) }),
        ),
    );
    return { created: existing === null, session: this.#view(row, config) };
  }

  async describe(): Promise<SessionOutcome<SessionView>> {
    const binding = this.#load();
    if (!binding) return notBound();
    await this.#recordUse(binding);
    const config = this.#config();
    const { tools, sources } = await this.#router(config, binding).list();
    return { ok: true, value: { ...this.#view(binding, config), tools: { count: tools.length, sources } } };
  }

  /** Forgets the session and everything it holds. False when it was not bound. */
  async unbind(): Promise<boolean> {
    const wasBound = this.#load() !== null;
    await this.#forget("session unbound");
    return wasBound;
  }

  async listTools(): Promise<SessionOutcome<ToolList>> {
    const binding = this.#load();
    if (!binding) return notBound();
    await this.#recordUse(binding);
    const { tools, sources } = await this.#router(this.#config(), binding).list();
    return { ok: true, value: { tools, sources } };
  }

  async execute(command: ExecuteCommand): Promise<SessionOutcome<ExecutionResult>> {
    // Taken now: an unbind while the tool is being looked up must still cancel this call.
    const lifetime = this.#lifetime.signal;
    const binding = this.#load();
    if (!binding) return notBound();
    if (command.device_id !== undefined && command.device_id !== binding.device_id) {
      return failure("device_mismatch", `device_id "${command.device_id}" is not the device bound to this session`);
    }
    const resolved = await this.#router(this.#config(), binding).resolve(command.tool_name);
    if (lifetime.aborted) return notBound();
    if (!resolved) return failure("tool_not_found", `no tool named "${command.tool_name}" in this session`);
    await this.#recordUse(binding);
    const args = coerceArguments(resolved.tool.input_schema, command.arguments);
    const result = await resolved.source.callTool(resolved.tool, args, {
      session: sessionContext(binding),
      signal: lifetime,
      timeoutMs: command.timeout_ms,
    });
    return { ok: true, value: result };
  }

  /** A device frame delivered over HTTP (`POST .../messages`, the gRPC HandleXiaoZhiMessage): as if from the relay. */
  async handleDeviceFrame(frame: unknown): Promise<SessionOutcome<FrameReceipt>> {
    const binding = this.#load();
    if (!binding) return notBound();
    const parsed = parseFrame(frame);
    if (!parsed.ok) return failure("invalid_request", `invalid device frame: ${parsed.reason}`);
    await this.#recordUse(binding);
    return { ok: true, value: this.#receive(binding, parsed) };
  }

  /**
   * The relay's WebSocket upgrade, the only request `fetch` serves (the Worker has checked the upgrade header):
   * a bound session only, answered 404 before upgrading otherwise. The new relay replaces any older one.
   */
  override async fetch(_request: Request): Promise<Response> {
    const binding = this.#load();
    if (!binding) return new ApiError("session_not_found", NOT_BOUND_MESSAGE).toResponse();
    await this.#recordUse(binding);
    const { 0: client, 1: server } = new WebSocketPair();
    const peer = this.#peer(binding);
    // Unique across bindings too: a late close of a relay from before an unbind must not match this one.
    const relay = Math.max(this.#deviceStore.state().relay + 1, Date.now());
    this.#relays.accept(server, relay);
    await peer.relayOpened(relay, initializeInput(binding));
    await this.#armAlarm(binding);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const binding = this.#load();
    if (!binding) {
      this.#relays.closeAll(RelayCloseCode.sessionEnded, "session not bound");
      return;
    }
    const relay = this.#relays.generationOf(ws);
    if (relay === null || relay !== this.#deviceStore.state().relay) {
      console.warn("device frame dropped: it came on a replaced relay", { session: binding.session_id });
      return;
    }
    await this.#recordUse(binding);
    const parsed: FrameParse =
      typeof message === "string" ? parseFrameText(message) : { ok: false, reason: "binary frame: device frames are text" };
    this.#receive(binding, parsed);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.#relayEnded(ws, `the device relay closed (code ${code}${reason ? `: ${reason}` : ""})`);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.#relayEnded(ws, `the device relay failed: ${String(error)}`);
  }

  /** Each configured external server as this session sees it: connection state, breaker, tool count. */
  async servers(): Promise<SessionOutcome<ServerStatus[]>> {
    const binding = this.#load();
    if (!binding) return notBound();
    await this.#recordUse(binding);
    this.#router(this.#config(), binding); // builds the sources, the external one among them, if not yet
    return { ok: true, value: this.#external?.status() ?? [] };
  }

  /**
   * Idle expiry: forget the session once it has gone unused for its TTL. Otherwise close the upstream
   * connections that sat idle too long, re-initialise the device when its vision token is due for renewal,
   * and re-arm.
   */
  override async alarm(): Promise<void> {
    const binding = this.#load();
    if (!binding) {
      await this.#storage.deleteAll();
      return;
    }
    const expiresAt = binding.last_used_at + idleTtlMs(this.#config());
    if (Date.now() >= expiresAt) {
      await this.#forget("session expired");
      return;
    }
    this.#external?.closeIdle();
    const peer = this.#peer(binding);
    const refreshAt = peer.refreshAt();
    if (refreshAt !== null && Date.now() >= refreshAt) await peer.initialize(initializeInput(binding));
    await this.#armAlarm(binding);
  }

  #load(): BindingRow | null {
    // A session bound by an older version gets the newer tables before anything uses them (session-schema.ts).
    if (this.#binding === undefined) this.#binding = this.#storage.readBinding();
    return this.#binding;
  }

  /**
   * The alarm at the earliest of idle expiry, the device's vision-token renewal and the next idle upstream
   * connection to close (an open upstream stream keeps the object from hibernating).
   */
  async #armAlarm(binding: BindingRow): Promise<void> {
    const expiresAt = binding.last_used_at + idleTtlMs(this.#config());
    const refreshAt = this.#peer(binding).refreshAt() ?? Infinity;
    const idleCloseAt = this.#external?.nextIdleCloseAt() ?? Infinity;
    await this.ctx.storage.setAlarm(Math.min(expiresAt, refreshAt, idleCloseAt));
  }

  #receive(binding: BindingRow, parsed: FrameParse): FrameReceipt {
    const receipt = parsed.ok ? this.#peer(binding).receive(parsed.message) : { handled: false, result: parsed.reason };
    if (!receipt.handled) console.warn("device frame dropped", { session: binding.session_id, reason: receipt.result });
    return receipt;
  }

  #relayEnded(ws: WebSocket, reason: string): void {
    const relay = this.#relays.generationOf(ws);
    const binding = this.#load();
    if (relay === null || !binding) return;
    this.#peer(binding).relayClosed(relay, reason);
  }

  /** Records an accepted request as use of the session (a rejected one changes nothing). */
  async #recordUse(binding: BindingRow): Promise<void> {
    const now = Date.now();
    if (now - binding.last_used_at < LAST_USED_PERSIST_INTERVAL_MS) return;
    binding.last_used_at = now;
    this.#storage.writeLastUsed(now);
    await this.#armAlarm(binding);
  }

  async #forget(reason: string): Promise<void> {
    // Read before deleteAll: the upstream sessions are ended from storage, whether or not this object opened them.
    const upstreamSessions = this.#storage.upstreamSessions.all();
    this.#lifetime.abort(new Error(reason));
    this.#relays.closeAll(RelayCloseCode.sessionEnded, reason);
    this.#lifetime = new AbortController();
    this.#binding = null;
    this.#external?.reset(reason);
    // Ending the upstream sessions waits on the upstreams: it does not hold up the caller.
    if (upstreamSessions.length > 0) this.ctx.waitUntil(endUpstreamSessions(this.#config().mcpServers, upstreamSessions));
    await this.ctx.storage.deleteAlarm();
    await this.#storage.deleteAll();
  }

  #config(): ServiceConfig {
    const loaded = loadConfig(this.env);
    // The Worker answers 503 before calling a session when the config is invalid.
    if (!loaded.ok) throw new Error(loaded.message);
    return loaded.config;
  }

  #router(config: ServiceConfig, binding: BindingRow): ToolRouter {
    if (this.#toolRouter) return this.#toolRouter;
    this.#external = new ExternalToolSource({
      servers: config.mcpServers,
      settings: config.external,
      kv: this.env.TOOL_CACHE,
      store: this.#storage.upstreamSessions,
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      onConnectionOpened: () => {
        const bound = this.#load();
        if (bound) this.ctx.waitUntil(this.#armAlarm(bound));
      },
    });
    this.#toolRouter = new ToolRouter([new LocalToolSource(config), this.#external, new DeviceToolSource(this.#peer(binding))]);
    return this.#toolRouter;
  }

  #peer(binding: BindingRow): DevicePeer {
    this.#devicePeer ??= new DevicePeer(binding.session_id, this.#deviceStore, this.#relays);
    return this.#devicePeer;
  }

  #deviceView(binding: BindingRow): DeviceView {
    const state = this.#deviceStore.state();
    const listing = this.#peer(binding).listing();
    const relayOpen = this.#relays.isOpen(state.relay);
    return {
      relay: relayOpen ? "open" : "closed",
      relay_opened_at: relayOpen && state.relayOpenedAt !== null ? new Date(state.relayOpenedAt).toISOString() : null,
      tools_status: listing.status,
      last_notification: state.lastNotification && {
        method: state.lastNotification.method,
        params: state.lastNotification.params,
        received_at: new Date(state.lastNotification.received_at).toISOString(),
      },
    };
  }

  /** The session without its tools, which only `describe` waits for. */
  #view(binding: BindingRow, config: ServiceConfig): SessionView {
    return {
      session_id: binding.session_id,
      device_id: binding.device_id,
      client_id: binding.client_id,
      vision_url: binding.vision_url,
      has_token: binding.token !== null,
      bound_at: new Date(binding.bound_at).toISOString(),
      last_used_at: new Date(binding.last_used_at).toISOString(),
      expires_at: new Date(binding.last_used_at + idleTtlMs(config)).toISOString(),
      device: this.#deviceView(binding),
    };
  }
}

function idleTtlMs(config: ServiceConfig): number {
  return config.session.idle_ttl_seconds * 1000;
}

function initializeInput(binding: BindingRow): InitializeInput {
  return { deviceId: binding.device_id, visionUrl: binding.vision_url, secret: binding.token };
}

function sessionContext(binding: BindingRow): SessionContext {
  return { tenant: binding.tenant, sessionId: binding.session_id, deviceId: binding.device_id, clientId: binding.client_id };
}

function failure(code: SessionErrorCode, message: string): { ok: false; error: { code: SessionErrorCode; message: string } } {
  return { ok: false, error: { code, message } };
}

const NOT_BOUND_MESSAGE = "session not found: bind it first (POST /api/v1/mcp/sessions/{sessionId}/bind)";

function notBound(): { ok: false; error: { code: SessionErrorCode; message: string } } {
  return failure("session_not_found", NOT_BOUND_MESSAGE);
}
