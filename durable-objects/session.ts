/**
 * @module durable-objects/session
 * One device session's Durable Object: its lifecycle (bind, describe, execute, unbind, expiry) and the entry
 * points the runtime calls, which it hands to its collaborators: the device side (session-device), the tool
 * sources (session-sources), the views (session-views), the alarm's reasons (session-alarm), its tool calls (session-runner:
 * an execute, a batch, a job), the jobs (session-jobs), the event log with its listeners (session-events), the log
 * (session-log), the metrics (session-metrics) and the registration with its agent's endpoint, which tells it when
 * the agent's tools change (session-agent).
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
 * `fetch` is only WebSocket upgrades: the device relay's (see session-device) and the event listeners' (see
 * session-events); everything else is RPC.
 */
import { DurableObject } from "cloudflare:workers";
import type { CallToolResult, FetchLike } from "@modelcontextprotocol/client";
import type { FrameReceipt } from "../src/contract/device-frames";
import type { BatchResults } from "../src/contract/batch";
import { FINISHED_JOB_STATUSES, type JobView } from "../src/contract/jobs";
import type { ServerStatus } from "../src/contract/servers";
import type { SessionView } from "../src/contract/session";
import type { ToolList } from "../src/contract/tools";
import { loadConfig } from "../src/config/load";
import type { ServiceConfig } from "../src/config/schema";
import type { Env } from "../src/env";
import { ApiError } from "../src/errors";
import { loggerFor } from "../src/observability/env-logger";
import { upstreamFetch } from "../src/tools/external/connect";
import { endUpstreamSessions } from "../src/tools/external/end-sessions";
import { answerClose } from "./device-relay";
import { expiresAt, nextAlarmAt } from "./session-alarm";
import {
  type BatchCommand,
  type BindCommand,
  type BindOutcome,
  type ExecuteCommand,
  type ExecuteOutcome,
  forwardProgress,
  LISTEN_PATH,
  type McpExecution,
  NOT_BOUND_MESSAGE,
  notBound,
  type ProgressCallback,
  type SessionOutcome,
} from "./session-api";
import { SessionAgent } from "./session-agent";
import { SessionDevice } from "./session-device";
import { SessionJobs } from "./session-jobs";
import { SessionEvents } from "./session-events";
import { SessionLog } from "./session-log";
import { SessionMetrics } from "./session-metrics";
import { type CallHooks, SessionRunner } from "./session-runner";
import { SessionSeat } from "./session-seat";
import { agentOf, buildSessionSources, type SessionSources, toolPolicy } from "./session-sources";
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
  readonly #jobs: SessionJobs;
  readonly #events: SessionEvents;
  readonly #log: SessionLog;
  readonly #metrics: SessionMetrics;
  readonly #runner: SessionRunner;
  readonly #agent: SessionAgent;
  /** How upstream requests go out: the runner's direct network binding when it gives one. */
  readonly #upstreamFetch: FetchLike;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#storage = new SessionStorage(ctx.storage, loggerFor(env));
    this.#log = new SessionLog(env, (promise) => ctx.waitUntil(promise));
    this.#events = new SessionEvents(ctx, this.#storage.events);
    this.#device = new SessionDevice(ctx, this.#storage.device, {
      events: this.#events,
      log: this.#log,
      toolsMayHaveChanged: () => this.#relist(),
    });
    this.#seat = new SessionSeat(ctx, env);
    this.#jobs = new SessionJobs(
      this.#storage.jobs,
      (job) => this.#onJobChange(job),
      (work) => ctx.waitUntil(work),
      loggerFor(env),
    );
    this.#metrics = new SessionMetrics(ctx, env);
    this.#runner = new SessionRunner({
      router: (binding) => this.#sourcesFor(binding).router,
      recordUse: (binding) => this.#recordUse(binding),
      armAlarm: (binding) => this.#armAlarm(binding),
      jobs: this.#jobs,
      log: this.#log,
      metrics: this.#metrics,
    });
    this.#agent = new SessionAgent(ctx, env);
    this.#upstreamFetch = upstreamFetch(env.UPSTREAM_NETWORK);
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
      this.#log.logger(row).error("bind_failed", { error: String(error) });
      if (existing === null) {
        this.#binding = null;
        await this.#storage.deleteAll();
      }
      if (seat.added) await this.#seat.release(row.tenant, row.session_id);
      throw error;
    }
    await this.#agent.bound(existing, row);
    // Binding answers at once; listing the tools (which may reach upstream servers) warms up meanwhile.
    this.#relist();
    this.#metrics.sessionEvent(row, "bind", existing === null);
    return { ok: true, value: { created: existing === null, session: this.#view(row) } };
  }

  async describe(): Promise<SessionOutcome<SessionView>> {
    const binding = await this.#use();
    if (!binding) return notBound();
    const { tools, sources } = await this.#sourcesFor(binding).router.list();
    return { ok: true, value: { ...this.#view(binding), tools: { count: tools.length, sources } } };
  }

  /** Whether the session is bound; counts as use when it is (the MCP endpoint asks before serving a request). */
  async isBound(): Promise<boolean> {
    return (await this.#use()) !== null;
  }

  /** Forgets the session and everything it holds. False when it was not bound. */
  async unbind(): Promise<boolean> {
    const binding = this.#load();
    await this.#forget("unbound");
    if (binding) this.#metrics.sessionEvent(binding, "unbind");
    return binding !== null;
  }

  /**
   * The agent's endpoint object telling that its tools changed (to `version`): the session lists again, so its
   * `tools_changed` events go out. False when not bound with `agentId`, which ends the registration.
   */
  async endpointToolsChanged(agentId: string, version: number | null): Promise<boolean> {
    const binding = this.#load();
    if (!binding || binding.agent_id !== agentId) return false;
    this.#sourcesFor(binding).endpoint.pushed(version);
    this.#relist();
    return true;
  }

  async listTools(): Promise<SessionOutcome<ToolList>> {
    const binding = await this.#use();
    if (!binding) return notBound();
    const { tools, sources } = await this.#sourcesFor(binding).router.list();
    return { ok: true, value: { tools, sources } };
  }

  async execute(command: ExecuteCommand): Promise<ExecuteOutcome> {
    return this.#execute(command);
  }

  /**
   * An execution for the MCP endpoint: the ExecutionResult and the source's MCP result as it came, when it had one.
   * `onProgress` (a callback of the Worker's, over RPC) hears the tool's progress while the call runs.
   */
  async executeForMcp(command: ExecuteCommand, onProgress?: ProgressCallback): Promise<SessionOutcome<McpExecution>> {
    let mcp: CallToolResult | undefined;
    const outcome = await this.#execute(command, {
      onMcpResult: (result) => (mcp = result),
      onProgress: onProgress && forwardProgress(onProgress),
    });
    if (!outcome.ok) return outcome;
    return { ok: true, value: mcp === undefined ? { execution: outcome.value } : { execution: outcome.value, mcp } };
  }

  async #execute(command: ExecuteCommand, hooks?: CallHooks): Promise<ExecuteOutcome> {
    // Taken now: an unbind while the tool is being looked up must still cancel this call.
    const lifetime = this.#lifetime.signal;
    const binding = this.#load();
    return binding ? this.#runner.execute(binding, command, lifetime, hooks) : notBound();
  }

  /** Several calls in one request, a bounded number at once; each call's failure is its own result. */
  async executeBatch(command: BatchCommand): Promise<SessionOutcome<BatchResults>> {
    const lifetime = this.#lifetime.signal;
    const binding = await this.#use();
    return binding ? this.#runner.batch(binding, command, lifetime) : notBound();
  }

  /** Starts `command` as a job and answers it at once (see session-jobs). */
  async startJob(command: ExecuteCommand): Promise<SessionOutcome<JobView>> {
    const lifetime = this.#lifetime.signal;
    const binding = this.#load();
    return binding ? this.#runner.startJob(binding, command, lifetime) : notBound();
  }

  /** The job `jobId` of this session as it stands. */
  async job(jobId: string): Promise<SessionOutcome<JobView>> {
    const binding = await this.#use();
    return binding ? this.#jobs.get(binding.session_id, jobId) : notBound();
  }

  /** Cancels the job `jobId` of this session unless it has finished. */
  async cancelJob(jobId: string): Promise<SessionOutcome<JobView>> {
    const binding = await this.#use();
    return binding ? this.#jobs.cancel(binding.session_id, jobId) : notBound();
  }

  /** Each configured external server as this session sees it: connection state, breaker, tool count. */
  async servers(): Promise<SessionOutcome<ServerStatus[]>> {
    const binding = await this.#use();
    if (!binding) return notBound();
    return { ok: true, value: this.#sourcesFor(binding).external.status() };
  }

  /** A device frame delivered over HTTP (`POST .../messages`, the gRPC HandleXiaoZhiMessage): see session-device. */
  async handleDeviceFrame(frame: unknown): Promise<SessionOutcome<FrameReceipt>> {
    const binding = this.#load();
    return binding ? this.#device.frameOverHttp(binding, frame, () => this.#recordUse(binding)) : notBound();
  }

  /**
   * A WebSocket upgrade, the only request `fetch` serves (the Worker has checked the upgrade header), for a
   * bound session only (404 before upgrading otherwise): an event listener's at {@link LISTEN_PATH} (resuming
   * after its `?after=` id), which is not use of the session; else the device relay, which replaces any older one.
   */
  override async fetch(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const binding = url.pathname === LISTEN_PATH ? this.#load() : await this.#use();
    // The Worker passes its request id in the header it answers it in (src/api/request-id.ts).
    const requestId = request.headers.get("X-Request-Id") ?? undefined;
    if (!binding) return new ApiError("session_not_found", NOT_BOUND_MESSAGE).toResponse(requestId);
    if (url.pathname === LISTEN_PATH) return this.#events.listen(url);
    const upgrade = await this.#device.openRelay(binding);
    await this.#armAlarm(binding);
    return upgrade;
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // Listeners only listen: what they send is ignored.
    if (this.#events.owns(ws)) return;
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
    if (this.#events.owns(ws)) return this.#events.listenerClosed(ws, code, reason);
    answerClose(ws, code, reason);
    this.#relayEnded(ws, `the device relay closed (code ${code}${reason ? `: ${reason}` : ""})`);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    if (this.#events.owns(ws)) return;
    this.#relayEnded(ws, `the device relay failed: ${String(error)}`);
  }

  /**
   * Forgets the session once it has gone unused for its TTL. Otherwise warns its listeners when expiry is near,
   * closes the upstream connections that sat idle too long, re-initialises the device when its vision token is
   * due for renewal, and re-arms.
   */
  override async alarm(): Promise<void> {
    const binding = this.#load();
    if (!binding) {
      if (await this.#seat.retryPending()) await this.#storage.deleteAll();
      return;
    }
    const config = this.#config();
    if (Date.now() >= expiresAt(binding, config)) {
      this.#log.expired(binding, Math.round((Date.now() - binding.last_used_at) / 1000));
      await this.#forget("expired");
      this.#metrics.sessionEvent(binding, "expire");
      return;
    }
    this.#events.warnIfExpiring(binding, config);
    this.#sources?.external.closeIdle();
    this.#jobs.sweep(binding.session_id);
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
      warnAt: this.#events.expiryWarningAt(binding, this.#config()),
      refreshAt: this.#device.refreshAt(binding),
      idleCloseAt: this.#sources?.external.nextIdleCloseAt() ?? null,
      jobsAt: this.#jobs.nextDueAt(),
    });
    await this.ctx.storage.setAlarm(at);
  }

  /**
   * Every change of a job (started, progressed, finished): the one place a job's news leaves the object. A finished
   * job moves the alarm, which deletes it after its retention.
   */
  #onJobChange(job: JobView): void {
    this.#events.job(job);
    if (FINISHED_JOB_STATUSES.includes(job.status)) this.#rearmLater();
  }

  /** Moves the alarm in the background: a new reason came up (an upstream connection opened, a job finished). */
  #rearmLater(): void {
    const binding = this.#load();
    if (binding) this.ctx.waitUntil(this.#armAlarm(binding));
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

  async #forget(ended: "unbound" | "expired"): Promise<void> {
    const reason = `session ${ended}`;
    // Read before deleteAll: the upstream sessions are ended from storage, whether or not this object opened them.
    const upstreamSessions = this.#storage.upstreamSessions.all();
    const binding = this.#load();
    if (binding) this.#events.ended(ended);
    this.#lifetime.abort(new Error(reason));
    this.#device.closeRelays(reason);
    this.#lifetime = new AbortController();
    this.#binding = null;
    this.#sources?.external.reset(reason);
    // Ending the upstream sessions waits on the upstreams: it does not hold up the caller.
    if (upstreamSessions.length > 0)
      this.ctx.waitUntil(
        endUpstreamSessions(this.#config().mcpServers, upstreamSessions, this.#log.logger(binding), this.#upstreamFetch),
      );
    await this.ctx.storage.deleteAlarm();
    await this.#storage.deleteAll();
    if (binding) {
      this.#agent.forgotten(binding);
      await this.#seat.release(binding.tenant, binding.session_id);
    }
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
      fetch: this.#upstreamFetch,
      peer: this.#device.peer(binding),
      waitUntil: (promise) => this.ctx.waitUntil(promise),
      onConnectionOpened: () => this.#rearmLater(),
      onCatalogChanged: () => this.#relist(),
      onToolsListed: (sources) => this.#events.toolsListed(sources),
      onServerEvent: (event) => this.#log.server(binding, event),
      agent: () => agentOf(this.env, this.#load()),
      logger: this.#log.logger(binding),
    });
    return this.#sources;
  }

  /** Lists the tools in the background (warming up, or so that a changed count is reported as `tools_changed`). */
  #relist(): void {
    const binding = this.#load();
    if (!binding) return;
    this.ctx.waitUntil(
      this.#sourcesFor(binding)
        .router.list()
        .then(undefined, (error: unknown) =>
          this.#log.logger(binding).warn("background_listing_failed", { error: String(error) }),
        ),
    );
  }

  /** The session without its tools, which only `describe` waits for. */
  #view(binding: BindingRow): SessionView {
    return sessionView(binding, expiresAt(binding, this.#config()), this.#device.view(binding));
  }
}
