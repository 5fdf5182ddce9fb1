/**
 * @module durable-objects/session-device
 * The device side of a session: its relay sockets, the device's stored link state, and the {@link DevicePeer}
 * that speaks JSON-RPC over them. The session object hands it the relay's events (the WebSocket upgrade, frames,
 * close and error) and the frames that arrive over HTTP; the peer's pending calls live as long as the object.
 *
 * The relay is accepted with the hibernation API: its frames arrive in the object's `webSocketMessage`, the
 * same frames sent over HTTP in its `handleDeviceFrame`. A relay frame costs little unless it is taken: its
 * relay is checked against one stored column, its size before it is read, and a dropped frame writes
 * nothing to storage and is logged through the session's {@link FrameDropLog} (a summary per interval).
 *
 * Its moments are the session's events: `relay` (opened; replaced by a newer one; closed, for the current relay
 * only) and `device_ready` (a listing completed). Either may change the device's tool count, which the
 * session's next listing reports as `tools_changed` ({@link DeviceEventSink.toolsMayHaveChanged}).
 */
import type { DeviceView } from "../src/contract/session";
import type { DeviceMessage, FrameReceipt } from "../src/contract/device-frames";
import { FrameDropLog } from "../src/tools/device/drop-log";
import { MAX_DEVICE_FRAME_BYTES } from "../src/contract/limits";
import { FrameDrop, type FrameParse, oversizedReason, parseFrame, parseRelayMessage } from "../src/tools/device/frames";
import { utf8SizeOver } from "../src/util/text";
import { DevicePeer, type InitializeInput } from "../src/tools/device/peer";
import { RelayCloseCode, RelaySockets, relayAutoResponse } from "./device-relay";
import type { SqlDeviceStore } from "./device-storage";
import { failure, type SessionOutcome } from "./session-api";
import type { SessionEvents } from "./session-events";
import type { SessionLog } from "./session-log";
import type { BindingRow } from "./session-storage";
import { deviceView } from "./session-views";

/** Where the device's moments go. */
export interface DeviceEventSink {
  events: SessionEvents;
  /** The relay's openings and closings, logged; and the logger of the device's own lines. */
  log: SessionLog;
  /** The device's tools may have changed: the session lists its tools again (in the background). */
  toolsMayHaveChanged: () => void;
}

export class SessionDevice {
  readonly #store: SqlDeviceStore;
  readonly #relays: RelaySockets;
  readonly #sink: DeviceEventSink;
  #devicePeer: DevicePeer | undefined;
  #drops: FrameDropLog | undefined;
  /** The relay whose close was last reported (a close and an error may both arrive for one relay). */
  #reportedClose = 0;

  constructor(ctx: DurableObjectState, store: SqlDeviceStore, sink: DeviceEventSink) {
    this.#store = store;
    this.#sink = sink;
    this.#relays = new RelaySockets(ctx, sink.log.logger(null));
    ctx.setWebSocketAutoResponse(relayAutoResponse());
  }

  /** The device's JSON-RPC peer, made on first use and kept for the object's life. */
  peer(binding: BindingRow): DevicePeer {
    this.#devicePeer ??= new DevicePeer(binding.session_id, this.#store, this.#relays, this.#sink.log.logger(binding));
    return this.#devicePeer;
  }

  /** Accepts a new relay (replacing any older one), starts the device's handshake on it, and answers the upgrade. */
  async openRelay(binding: BindingRow): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    const peer = this.peer(binding);
    // Unique across bindings too: a late close of a relay from before an unbind must not match this one.
    const previous = this.#store.state().relay;
    const replaced = this.#relays.isOpen(previous);
    const relay = Math.max(previous + 1, Date.now());
    if (replaced) this.#relayChanged(binding, "replaced", previous, { by: relay });
    this.#relays.accept(server, relay);
    this.#relayChanged(binding, "opened", relay);
    await peer.relayOpened(relay, initializeInput(binding));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** The message a relay frame carries; null when the frame was dropped (refused, or on a replaced relay). */
  relayMessage(binding: BindingRow, ws: WebSocket, message: string | ArrayBuffer): DeviceMessage | null {
    const relay = this.#relays.generationOf(ws);
    if (relay === null || relay !== this.#store.relay()) {
      this.#dropLog(binding).record(FrameDrop.replacedRelay, "it came on a replaced relay");
      return null;
    }
    const parsed = parseRelayMessage(message);
    if (parsed.ok) return parsed.message;
    this.refuse(binding, parsed);
    return null;
  }

  /** Takes a message from the device (from the relay or over HTTP); a dropped one is logged. */
  receive(binding: BindingRow, message: DeviceMessage): FrameReceipt {
    const listedAt = this.#store.toolList()?.completedAt;
    const outcome = this.peer(binding).receive(message);
    if (!outcome.handled) this.#dropLog(binding).record(outcome.drop, outcome.result);
    const list = this.#store.toolList();
    if (list !== null && list.completedAt !== listedAt) {
      this.#sink.events.emit("device_ready", { relay: list.relay, tool_count: list.tools.length });
      this.#sink.toolsMayHaveChanged();
    }
    return { handled: outcome.handled, result: outcome.result };
  }

  /**
   * A device frame delivered over HTTP (`POST .../messages`, the gRPC HandleXiaoZhiMessage): as if from the relay.
   * One over the frame limit (as compact JSON) is refused `payload_too_large`, and fails the request it answers;
   * `accepted` runs before a frame that is taken.
   */
  async frameOverHttp(binding: BindingRow, frame: unknown, accepted: () => Promise<void>): Promise<SessionOutcome<FrameReceipt>> {
    const parsed = parseFrame(frame);
    const over = utf8SizeOver(JSON.stringify(frame), MAX_DEVICE_FRAME_BYTES);
    if (over !== null) {
      const reason = oversizedReason(over);
      const replyTo = parsed.ok && parsed.message.kind !== "notification" ? parsed.message.id : undefined;
      this.refuse(binding, { ok: false, drop: FrameDrop.oversized, reason, replyTo });
      return failure("payload_too_large", `device ${reason}`);
    }
    if (!parsed.ok) return failure("invalid_request", `invalid device frame: ${parsed.reason}`);
    await accepted();
    return { ok: true, value: this.receive(binding, parsed.message) };
  }

  /** Drops a frame that could not be taken (logged); the request its reply answered, when known, fails with why. */
  refuse(binding: BindingRow, refused: Extract<FrameParse, { ok: false }>): FrameReceipt {
    if (refused.replyTo !== undefined) this.peer(binding).refuseReply(refused.replyTo, refused.reason);
    this.#dropLog(binding).record(refused.drop, refused.reason);
    return { handled: false, result: refused.reason };
  }

  /** A relay opened, was replaced (`by` the newer one) or closed (for `reason`): logged, and an event. */
  #relayChanged(
    binding: BindingRow,
    state: "opened" | "replaced" | "closed",
    relay: number,
    detail: { by?: number; reason?: string } = {},
  ): void {
    this.#sink.log.relay(binding, state, relay, detail);
    const { reason } = detail;
    this.#sink.events.emit("relay", reason === undefined ? { state, relay } : { state, relay, reason });
  }

  /** The relay `ws` closed or failed: its calls fail, its tools become unavailable, and its drops are summarised. */
  relayEnded(binding: BindingRow, ws: WebSocket, reason: string): void {
    const relay = this.#relays.generationOf(ws);
    if (relay !== null) this.peer(binding).relayClosed(relay, reason);
    if (relay !== null && relay === this.#store.relay() && relay !== this.#reportedClose) {
      this.#reportedClose = relay;
      this.#relayChanged(binding, "closed", relay, { reason });
      this.#sink.toolsMayHaveChanged();
    }
    this.#drops?.flush();
  }

  /** Closes every relay because the session ended (or is not bound). */
  closeRelays(reason: string): void {
    this.#relays.closeAll(RelayCloseCode.sessionEnded, reason);
    this.#drops?.flush();
  }

  /** When the vision token must be renewed (ms since the epoch), while a relay is open to renew it on. */
  refreshAt(binding: BindingRow): number | null {
    return this.peer(binding).refreshAt();
  }

  /** Re-initialises the device when its vision token is due for renewal. */
  async renewIfDue(binding: BindingRow): Promise<void> {
    const peer = this.peer(binding);
    const refreshAt = peer.refreshAt();
    if (refreshAt !== null && Date.now() >= refreshAt) await peer.initialize(initializeInput(binding));
  }

  #dropLog(binding: BindingRow): FrameDropLog {
    this.#drops ??= new FrameDropLog(this.#sink.log.logger(binding));
    return this.#drops;
  }

  view(binding: BindingRow): DeviceView {
    const state = this.#store.state();
    return deviceView(state, this.#relays.isOpen(state.relay), this.peer(binding).listing().status);
  }
}

function initializeInput(binding: BindingRow): InitializeInput {
  return { deviceId: binding.device_id, visionUrl: binding.vision_url, secret: binding.token };
}
