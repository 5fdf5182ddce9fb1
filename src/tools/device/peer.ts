/**
 * @module tools/device/peer
 * The service's side of the device's MCP server: JSON-RPC over the relay, as the XiaoZhi firmware speaks it.
 *
 * ## Ids
 * Every request (`initialize`, each `tools/list` page, each `tools/call`) takes the next id of one counter kept
 * in the session's storage, so a reply can only ever match the request it answers: no collision between calls
 * and the listing (xiaozhi-server-go's ids 1 and 2 do collide), no reuse after a wake-up.
 *
 * ## Handshake (per relay)
 * relay opened → `initialize` (with `capabilities.vision {url, token}`) → `tools/list` → `tools/list {cursor}` …
 * until a page has no `nextCursor` → the staged pages *replace* the list. Each step waits in storage (the object
 * may hibernate between steps). A refusal or a malformed page fails the handshake; no answer within
 * {@link HANDSHAKE_TIMEOUT_MS} is reported as such. A re-initialisation on the same relay (to renew the vision
 * token) keeps the current list usable until the new one is complete.
 *
 * ## Calls
 * Pending calls live in memory only ({@link PendingCalls}); a late reply finds nothing waiting and is dropped.
 * A reply too large to take (frames.ts) ends its call, or fails the handshake step it answers, when its id
 * could be read.
 *
 * ## Notifications
 * The latest is recorded (never answered) unless its `params` are over {@link MAX_NOTIFICATION_PARAMS_BYTES}:
 * every view of the session carries it.
 */
import packageJson from "../../../package.json";
import { type DeviceMessage, DeviceTool, ToolsListPage } from "../../contract/device-frames";
import { MAX_NOTIFICATION_PARAMS_BYTES, MAX_QUOTED_DEVICE_TEXT_CHARS } from "../../contract/limits";
import type { Logger } from "../../observability/log";
import { clip, utf8SizeOver } from "../../util/text";
import { encodeRequest, FrameDrop } from "./frames";
import { type CallOutcome, cancelled, PendingCalls } from "./pending-calls";
import { type DeviceLink, type DeviceLinkState, type DeviceStore, HandshakeStep } from "./store";
import { signVisionToken } from "./vision-token";

/** The MCP revision the firmware implements. */
const PROTOCOL_VERSION = "2024-11-05";
/** How long a handshake step may go unanswered before the listing reports it. */
const HANDSHAKE_TIMEOUT_MS = 30_000;
/** A bound on `tools/list` pages, against a device that keeps answering with a cursor. */
const MAX_LIST_PAGES = 64;
/** Re-initialise this long before the vision token (valid one hour) expires. */
const TOKEN_REFRESH_MARGIN_MS = 10 * 60_000;

/** What the binding gives the device on `initialize`. */
export interface InitializeInput {
  deviceId: string;
  visionUrl: string | null;
  /** The secret the vision token is signed with; no token without it. */
  secret: string | null;
}

/** What became of a message from the device; a dropped one says why, as the drop summary counts it. */
export type ReceiveOutcome = { handled: true; result: string } | { handled: false; result: string; drop: FrameDrop };

/** The device's tools as they can be listed now. */
export type DeviceListing =
  { status: "ok"; tools: DeviceTool[] } | { status: "incomplete" | "unavailable"; tools: []; error: string };

export class DevicePeer {
  readonly #calls = new PendingCalls();

  constructor(
    private readonly sessionId: string,
    private readonly store: DeviceStore,
    private readonly link: DeviceLink,
    /** The session's logger: a dropped tool entry and a failed handshake are written on it. */
    private readonly logger: Logger,
  ) {}

  /** A new relay (generation `relay`) is open and has replaced any other: calls on the old one fail, the handshake starts. */
  async relayOpened(relay: number, init: InitializeInput): Promise<void> {
    this.#calls.failOn((callRelay) => callRelay !== relay, "the device relay was replaced by a new one");
    this.store.saveState({
      ...this.store.state(),
      relay,
      relayOpenedAt: Date.now(),
      handshake: null,
      listError: null,
      refreshAt: null,
    });
    this.store.saveStagedTools([]);
    await this.initialize(init);
  }

  /** Sends `initialize` on the current relay (again, to renew the vision token); the listing follows its reply. */
  async initialize(init: InitializeInput): Promise<void> {
    const relay = this.store.state().relay;
    const vision: Record<string, string> = {};
    let refreshAt: number | null = null;
    if (init.visionUrl !== null) {
      vision.url = init.visionUrl;
      if (init.secret !== null) {
        const signed = await signVisionToken(init.secret, init.deviceId, Date.now());
        vision.token = signed.token;
        refreshAt = signed.expiresAt - TOKEN_REFRESH_MARGIN_MS;
      }
    }
    // Read the state again after signing: other events may have run meanwhile (a newer relay sends its own).
    const state = this.store.state();
    if (state.relay !== relay || !this.link.isOpen(relay)) return;
    const capabilities: Record<string, unknown> = { roots: { listChanged: true }, sampling: {} };
    if (vision.url !== undefined) capabilities.vision = vision;
    const id = this.store.allocateId();
    this.store.saveState({
      ...state,
      handshake: { step: HandshakeStep.initialize, rpcId: id, startedAt: Date.now(), pages: 0 },
      listError: null,
      refreshAt,
    });
    this.link.send(
      state.relay,
      encodeRequest(this.sessionId, id, "initialize", {
        protocolVersion: PROTOCOL_VERSION,
        capabilities,
        clientInfo: { name: packageJson.name, version: packageJson.version },
      }),
    );
  }

  /** When the vision token must be renewed (ms since epoch), if a relay is open to renew it on. */
  refreshAt(): number | null {
    const state = this.store.state();
    return this.link.isOpen(state.relay) ? state.refreshAt : null;
  }

  /** The relay of generation `relay` closed: its calls fail at once and its tools become unavailable. */
  relayClosed(relay: number, reason: string): void {
    this.#calls.failOn((callRelay) => callRelay === relay, reason);
    const state = this.store.state();
    if (state.relay !== relay) return;
    this.store.saveState({ ...state, handshake: null, refreshAt: null });
  }

  /** Takes one message from the device: a reply goes to its request, a notification is recorded (never answered). */
  receive(message: DeviceMessage): ReceiveOutcome {
    if (message.kind === "notification") {
      const params = message.params ?? null;
      const over = params === null ? null : utf8SizeOver(JSON.stringify(params), MAX_NOTIFICATION_PARAMS_BYTES);
      if (over !== null) {
        const result = `notification ${clip(message.method, 100)} not recorded: its params (${over}+ bytes) are over the ${MAX_NOTIFICATION_PARAMS_BYTES}-byte limit`;
        return { handled: false, result, drop: FrameDrop.notificationTooLarge };
      }
      this.store.saveNotification({ method: message.method, params, received_at: Date.now() });
      return { handled: true, result: `notification ${message.method} recorded` };
    }
    if (this.#calls.finish(message.id, { kind: "reply", message })) {
      return { handled: true, result: `reply to tools/call ${message.id}` };
    }
    const state = this.store.state();
    if (state.handshake?.rpcId === message.id) {
      const step = state.handshake.step;
      this.#advanceHandshake(state, message);
      return { handled: true, result: `reply to ${step} ${message.id}` };
    }
    return {
      handled: false,
      result: `no request is waiting for id ${message.id} (a reply after its timeout, or not ours)`,
      drop: FrameDrop.unmatched,
    };
  }

  /**
   * The reply to `id` came in a frame the relay refused (`reason`): the call waiting for it ends, or the handshake
   * step it answers fails. False when nothing was waiting for it.
   */
  refuseReply(id: number, reason: string): boolean {
    if (this.#calls.finish(id, { kind: "refused", reason: `the device's reply to tools/call ${id} was refused: ${reason}` })) {
      return true;
    }
    const state = this.store.state();
    if (state.handshake?.rpcId !== id) return false;
    this.#failHandshake(state, `the device's reply to ${state.handshake.step} was refused: ${reason}`);
    return true;
  }

  /** The tools the device has listed on the open relay, or why there are none to offer. */
  listing(): DeviceListing {
    const unavailable = this.#unavailableReason();
    if (unavailable === null) return { status: "ok", tools: this.store.toolList()?.tools ?? [] };
    return { status: unavailable.status, tools: [], error: unavailable.reason };
  }

  /** Every tool of the last complete list, even when the device cannot be reached now. */
  knownTools(): DeviceTool[] {
    return this.store.toolList()?.tools ?? [];
  }

  /** Calls the device tool `name` with `args` (already of the schema's types) and waits for its reply. */
  call(name: string, args: Record<string, unknown>, options: { timeoutMs: number; signal?: AbortSignal }): Promise<CallOutcome> {
    if (options.signal?.aborted) return Promise.resolve(cancelled(options.signal));
    const unavailable = this.#unavailableReason();
    if (unavailable !== null) return Promise.resolve({ kind: "unavailable", reason: unavailable.reason });
    const relay = this.store.state().relay;
    const id = this.store.allocateId();
    return this.#calls.wait(id, relay, options, () =>
      this.link.send(relay, encodeRequest(this.sessionId, id, "tools/call", { name, arguments: args })),
    );
  }

  #advanceHandshake(state: DeviceLinkState, message: Extract<DeviceMessage, { kind: "result" | "error" }>): void {
    const handshake = state.handshake;
    if (handshake === null) return;
    if (message.kind === "error") {
      this.#failHandshake(
        state,
        `the device refused ${handshake.step}: ${clip(message.error.message, MAX_QUOTED_DEVICE_TEXT_CHARS)}`,
      );
      return;
    }
    if (handshake.step === HandshakeStep.initialize) {
      this.store.saveStagedTools([]);
      this.#requestPage(state, undefined, 0);
      return;
    }
    const page = ToolsListPage.safeParse(message.result);
    if (!page.success) {
      this.#failHandshake(state, "the device answered tools/list without a tools array");
      return;
    }
    const staged = this.store.stagedTools();
    const seen = new Set(staged.map((t) => t.name));
    for (const entry of page.data.tools) {
      const tool = DeviceTool.safeParse(entry);
      if (!tool.success) {
        this.logger.warn("device_tool_dropped", { entry });
        continue;
      }
      // The firmware refuses duplicate names itself; a repeated one here would be a repeated page.
      if (seen.has(tool.data.name)) continue;
      seen.add(tool.data.name);
      staged.push(tool.data);
    }
    const cursor = page.data.nextCursor;
    if (cursor) {
      if (handshake.pages >= MAX_LIST_PAGES) {
        this.#failHandshake(state, `the device kept listing tools past ${MAX_LIST_PAGES} pages`);
        return;
      }
      this.store.saveStagedTools(staged);
      this.#requestPage(state, cursor, handshake.pages);
      return;
    }
    // The complete list replaces the previous one: never appended to it.
    this.store.saveToolList({ relay: state.relay, tools: staged, completedAt: Date.now() });
    this.store.saveStagedTools([]);
    this.store.saveState({ ...state, handshake: null, listError: null });
  }

  #requestPage(state: DeviceLinkState, cursor: string | undefined, pagesSoFar: number): void {
    const id = this.store.allocateId();
    this.store.saveState({
      ...state,
      handshake: { step: HandshakeStep.list, rpcId: id, startedAt: Date.now(), pages: pagesSoFar + 1 },
    });
    this.link.send(state.relay, encodeRequest(this.sessionId, id, "tools/list", cursor === undefined ? undefined : { cursor }));
  }

  #failHandshake(state: DeviceLinkState, reason: string): void {
    this.logger.warn("device_handshake_failed", { reason });
    this.store.saveStagedTools([]);
    this.store.saveState({ ...state, handshake: null, listError: reason });
  }

  /** Null when the device's tools can be called now; otherwise why not, as the listing reports it. */
  #unavailableReason(): { status: "incomplete" | "unavailable"; reason: string } | null {
    const state = this.store.state();
    if (!this.link.isOpen(state.relay)) {
      return { status: "unavailable", reason: "no device relay is open: the gateway opens one when the device connects" };
    }
    if (this.store.toolList()?.relay === state.relay) return null;
    if (state.listError !== null) return { status: "unavailable", reason: state.listError };
    const handshake = state.handshake;
    if (handshake === null) return { status: "unavailable", reason: "the device's tools have not been listed" };
    if (Date.now() - handshake.startedAt > HANDSHAKE_TIMEOUT_MS) {
      return {
        status: "unavailable",
        reason: `the device has not answered ${handshake.step} within ${HANDSHAKE_TIMEOUT_MS / 1000} s`,
      };
    }
    const where = handshake.step === HandshakeStep.initialize ? "initialize" : `tools/list page ${handshake.pages}`;
    return { status: "incomplete", reason: `the device's tools are being listed (waiting for ${where})` };
  }
}
