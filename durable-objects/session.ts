/**
 * @module durable-objects/session
 * One device session's Durable Object: its lifecycle (bind, describe, execute, unbind, expiry) and the entry
 * points the runtime calls, which it hands to its collaborators: the device side (session-device), the tool
 * sources (session-sources), the views (session-views) and the alarm's reasons (session-alarm).
 *
 * ## Lifecycle
 * - unbound: no storage at all. Every call but `bind` answers `session_not_found`.
 * - bound: the binding row is in SQLite; each call refreshes `last_used_at` (persisted at most once a
 *   minute) and the alarm stands at `last_used_at + idle TTL` (or earlier, see session-alarm).
 * - `bind()` of an unbound session first takes a seat among its tenant's bound sessions (session-seat), and is
 *   refused when the tenant is at `limits.max_sessions_per_tenant`; a bind that fails gives its seat back.
 * - `unbind()` or the alarm finding the session idle past its TTL: pending calls are aborted, the device
 *   relay is closed and `deleteAll()` drops the binding and the alarm, back to unbound; then the seat is given
 *   back. The external servers' stored sessions are ended upstream in the background.
 * Eviction loses only memory: the binding is read back from SQLite on the next call, and the external
 *   servers' Streamable HTTP sessions are resumed from SQLite without a new `initialize`.
 *
 * `fetch` is only the device relay's WebSocket upgrade (see session-device); everything else is RPC.
 */
import { DurableObject } from "cloudflare:workers";
import type { FrameReceipt } from "../src/contract/device-frames";
import type { ExecutionResult } from "../src/contract/execution";
import type { ServerStatus } from "../src/contract/servers";
import type { SessionView } from "../src/contract/session";
import type { ToolList } from "../src/contract/tools";
import { loadConfig } from "../src/config/load";
import type { ServiceConfig } from "../src/config/schema";
import type { Env } from "../src/env";
import { ApiError } from "../src/errors";
import { MAX_DEVICE_FRAME_BYTES } from "../src/contract/limits";
import { FrameDrop, oversizedReason, parseFrame } from "../src/tools/device/frames";
import { utf8SizeOver } from "../src/util/text";
import { endUpstreamSessions } from "../src/tools/external/end-sessions";
import { coerceArguments } from "../src/tools/coerce";
import { invalidArguments } from "../src/tools/result";
import { argumentIssues } from "../src/tools/validate-args";
import { answerClose } from "./device-relay";
import { expiresAt, nextAlarmAt } from "./session-alarm";
import {
  type BindCommand,
  type BindOutcome,
  type ExecuteCommand,
  failure,
  NOT_BOUND_MESSAGE,
  notBound,
  type SessionOutcome,
} from "./session-api";
import { SessionDevice } from "./session-device";
import { SessionMetrics } from "./session-metrics";
import { SessionSeat } from "./session-seat";
import { buildSessionSources, sessionContext, type SessionSources, toolPolicy } from "./session-sources";
import { type BindingRow, bindingRow, SessionStorage } from "./session-storage";
import { sessionView } from "./session-views";

/** How stale the stored `last_used_at` may get before a call writes it (and moves the alarm). */
const LAST_USED_PERSIST_INTERVAL_MS = 60_000;

export class SessionObject extends DurableObject<Env> {
  /** undefined: not read from storage yet; null: not bound. */
  #binding: BindingRow | null | undefined;
  /** Aborted when the session is unbound or expires, cancelling whatever is still running for it. */
  #lifetime = new AbortController();
  /** Built on first use and kept for the object's life, so the external source can hold connections. */
  #sources: SessionSources | undefined;
  readonly #storage: SessionStorage;
  readonly #device: SessionDevice;
  readonly #seat: SessionSeat;
  readonly #metrics: SessionMetrics;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#storage = new SessionStorage(ctx.storage);
    this.#device = new SessionDevice(ctx, this.#storage.device);
    this.#seat = new SessionSeat(ctx, env);
    this.#metrics = new SessionMetrics(ctx, env);
  }

  async bind(command: BindCommand): Promise<SessionOutcome<BindOutcome>> {
    const existing = this.#load();
    const cap = this.#config().limits.max_sessions_per_tenant;
    const seat = await this.#seat.take(command.tenant, command.sessionId, cap, existing !== null);
    if (!seat.ok) return seat;
    const row = bindingRow(command, existing, Date.now());
    try {
      this.#storage.writeBinding(row);
      this.#binding = row;
      this.#sources?.router.restrict(toolPolicy(this.#config(), row));
      await this.#armAlarm(row);
    } catch (error) {
      console.error("bind failed: its seat is given back", { session: row.session_id, error: String(error) });
      if (existing === null) {
        this.#binding = null;
        await this.#storage.deleteAll();
      }
      if (seat.added) await this.#seat.release(row.tenant, row.session_id);
      throw error;
    }
    // Binding answers at once; listing the tools (which may reach upstream servers) warms up meanwhile.
    this.ctx.waitUntil(
      this.#sourcesFor(row)
        .router.list()
        .then(
          () => undefined,
          (error: unknown) =>
            console.warn("listing the tools after bind failed", { session: row.session_id, error: String(error) }),
        ),
    );
    this.#metrics.sessionEvent(row, "bind", existing === null);
    return { ok: true, value: { created: existing === null, session: this.#view(row) } };
  }

  async describe(): Promise<SessionOutcome<SessionView>> {
    const binding = await this.#use();
    if (!binding) return notBound();
    const { tools, sources } = await this.#sourcesFor(binding).router.list();
    return { ok: true, value: { ...this.#view(binding), tools: { count: tools.length, sources } } };
  }

  /** Forgets the session and everything it holds. False when it was not bound. */
  async unbind(): Promise<boolean> {
    const binding = this.#load();
    await this.#forget("session unbound");
    if (binding) this.#metrics.sessionEvent(binding, "unbind");
    return binding !== null;
  }

  async listTools(): Promise<SessionOutcome<ToolList>> {
    const binding = await this.#use();
    if (!binding) return notBound();
    const { tools, sources } = await this.#sourcesFor(binding).router.list();
    return { ok: true, value: { tools, sources } };
  }

  /** Runs a tool; every execution that reaches a tool, or names none the session has, is counted (session-metrics). */
  async execute(command: ExecuteCommand): Promise<SessionOutcome<ExecutionResult>> {
    const startedAt = Date.now();
    // Taken now: an unbind while the tool is being looked up must still cancel this call.
    const lifetime = this.#lifetime.signal;
    const binding = this.#load();
    if (!binding) return notBound();
    if (command.device_id !== undefined && command.device_id !== binding.device_id) {
      return failure("device_mismatch", `device_id "${command.device_id}" is not the device bound to this session`);
    }
    const resolved = await this.#sourcesFor(binding).router.resolve(command.tool_name);
    if (lifetime.aborted) return notBound();
    if (!resolved) {
      this.#metrics.notFound(binding, command.tool_name, startedAt);
      return failure("tool_not_found", `no tool named "${command.tool_name}" in this session`);
    }
    await this.#recordUse(binding);
    const args = coerceArguments(resolved.tool.input_schema, command.arguments);
    // Every source but one that checks its own (local tools) gets only arguments its tool's schema accepts.
    const issues = resolved.source.checksArguments ? [] : argumentIssues(resolved.tool, args);
    const result =
      issues.length > 0
        ? invalidArguments(resolved.tool.name, issues)
        : await resolved.source.callTool(resolved.tool, args, {
            session: sessionContext(binding),
            signal: lifetime,
            timeoutMs: command.timeout_ms,
          });
    this.#metrics.executed(binding, resolved.tool, result, startedAt);
    return { ok: true, value: result };
  }

  /** Each configured external server as this session sees it: connection state, breaker, tool count. */
  async servers(): Promise<SessionOutcome<ServerStatus[]>> {
    const binding = await this.#use();
    if (!binding) return notBound();
    return { ok: true, value: this.#sourcesFor(binding).external.status() };
  }

  /**
   * A device frame delivered over HTTP (`POST .../messages`, the gRPC HandleXiaoZhiMessage): as if from the relay.
   * One over the frame limit (as compact JSON) is refused `payload_too_large`, and fails the request it answers.
   */
  async handleDeviceFrame(frame: unknown): Promise<SessionOutcome<FrameReceipt>> {
    const binding = this.#load();
    if (!binding) return notBound();
    const parsed = parseFrame(frame);
    const over = utf8SizeOver(JSON.stringify(frame), MAX_DEVICE_FRAME_BYTES);
    if (over !== null) {
      const reason = oversizedReason(over);
      const replyTo = parsed.ok && parsed.message.kind !== "notification" ? parsed.message.id : undefined;
      this.#device.refuse(binding, { ok: false, drop: FrameDrop.oversized, reason, replyTo });
      return failure("payload_too_large", `device ${reason}`);
    }
    if (!parsed.ok) return failure("invalid_request", `invalid device frame: ${parsed.reason}`);
    await this.#recordUse(binding);
    return { ok: true, value: this.#device.receive(binding, parsed.message) };
  }

  /**
   * The relay's WebSocket upgrade, the only request `fetch` serves (the Worker has checked the upgrade header):
   * a bound session only, answered 404 before upgrading otherwise. The new relay replaces any older one.
   */
  override async fetch(_request: Request): Promise<Response> {
    const binding = await this.#use();
    if (!binding) return new ApiError("session_not_found", NOT_BOUND_MESSAGE).toResponse();
    const upgrade = await this.#device.openRelay(binding);
    await this.#armAlarm(binding);
    return upgrade;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const binding = this.#load();
    if (!binding) {
      this.#device.closeRelays("session not bound");
      return;
    }
    const received = this.#device.relayMessage(binding, ws, message);
    if (received === null) return;
    await this.#recordUse(binding);
    this.#device.receive(binding, received);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    answerClose(ws, code, reason);
    this.#relayEnded(ws, `the device relay closed (code ${code}${reason ? `: ${reason}` : ""})`);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.#relayEnded(ws, `the device relay failed: ${String(error)}`);
  }

  /**
   * Forgets the session once it has gone unused for its TTL. Otherwise closes the upstream connections that sat
   * idle too long, re-initialises the device when its vision token is due for renewal, and re-arms.
   */
  override async alarm(): Promise<void> {
    const binding = this.#load();
    if (!binding) {
      if (await this.#seat.retryPending()) await this.#storage.deleteAll();
      return;
    }
    if (Date.now() >= expiresAt(binding, this.#config())) {
      await this.#forget("session expired");
      this.#metrics.sessionEvent(binding, "expire");
      return;
    }
    this.#sources?.external.closeIdle();
    await this.#device.renewIfDue(binding);
    await this.#armAlarm(binding);
  }

  #load(): BindingRow | null {
    // A session bound by an older version gets the newer tables before anything uses them (session-schema.ts).
    if (this.#binding === undefined) this.#binding = this.#storage.readBinding();
    return this.#binding;
  }

  /** The binding of a call the session accepts, recorded as use; null when not bound. */
  async #use(): Promise<BindingRow | null> {
    const binding = this.#load();
    if (binding) await this.#recordUse(binding);
    return binding;
  }

  async #armAlarm(binding: BindingRow): Promise<void> {
    const at = nextAlarmAt({
      expiresAt: expiresAt(binding, this.#config()),
      refreshAt: this.#device.refreshAt(binding),
      idleCloseAt: this.#sources?.external.nextIdleCloseAt() ?? null,
    });
    await this.ctx.storage.setAlarm(at);
  }

  #relayEnded(ws: WebSocket, reason: string): void {
    const binding = this.#load();
    if (binding) this.#device.relayEnded(binding, ws, reason);
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
    const binding = this.#load();
    this.#lifetime.abort(new Error(reason));
    this.#device.closeRelays(reason);
    this.#lifetime = new AbortController();
    this.#binding = null;
    this.#sources?.external.reset(reason);
    // Ending the upstream sessions waits on the upstreams: it does not hold up the caller.
    if (upstreamSessions.length > 0) this.ctx.waitUntil(endUpstreamSessions(this.#config().mcpServers, upstreamSessions));
    await this.ctx.storage.deleteAlarm();
    await this.#storage.deleteAll();
    if (binding) await this.#seat.release(binding.tenant, binding.session_id);
  }

  #config(): ServiceConfig {
    const loaded = loadConfig(this.env);
    // The Worker answers 503 before calling a session when the config is invalid.
    if (!loaded.ok) throw new Error(loaded.message);
    return loaded.config;
  }

  /** The session's tool sources, built together on first use. */
  #sourcesFor(binding: BindingRow): SessionSources {
    this.#sources ??= buildSessionSources({
      config: this.#config(),
      policy: toolPolicy(this.#config(), binding),
      kv: this.env.TOOL_CACHE,
      upstreamSessions: this.#storage.upstreamSessions,
      peer: this.#device.peer(binding),
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      onConnectionOpened: () => {
        const bound = this.#load();
        if (bound) this.ctx.waitUntil(this.#armAlarm(bound));
      },
    });
    return this.#sources;
  }

  /** The session without its tools, which only `describe` waits for. */
  #view(binding: BindingRow): SessionView {
    return sessionView(binding, expiresAt(binding, this.#config()), this.#device.view(binding));
  }
}
