/**
 * @module durable-objects/session-device
 * The device side of a session: its relay sockets, the device's stored link state, and the {@link DevicePeer}
 * that speaks JSON-RPC over them. The session object hands it the relay's events (the WebSocket upgrade, frames,
 * close and error) and the frames that arrive over HTTP; the peer's pending calls live as long as the object.
 *
 * The relay is accepted with the hibernation API: its frames arrive in the object's `webSocketMessage`, the
 * same frames sent over HTTP in its `handleDeviceFrame`.
 */
import type { DeviceView } from "../src/contract/session";
import type { FrameReceipt } from "../src/contract/device-frames";
import { type FrameParse, parseFrameText } from "../src/tools/device/frames";
import { DevicePeer, type InitializeInput } from "../src/tools/device/peer";
import { RelayCloseCode, RelaySockets, relayAutoResponse } from "./device-relay";
import type { SqlDeviceStore } from "./device-storage";
import type { BindingRow } from "./session-storage";
import { deviceView } from "./session-views";

export class SessionDevice {
  readonly #store: SqlDeviceStore;
  readonly #relays: RelaySockets;
  #devicePeer: DevicePeer | undefined;

  constructor(ctx: DurableObjectState, store: SqlDeviceStore) {
    this.#store = store;
    this.#relays = new RelaySockets(ctx);
    ctx.setWebSocketAutoResponse(relayAutoResponse());
  }

  /** The device's JSON-RPC peer, made on first use and kept for the object's life. */
  peer(binding: BindingRow): DevicePeer {
    this.#devicePeer ??= new DevicePeer(binding.session_id, this.#store, this.#relays);
    return this.#devicePeer;
  }

  /** Accepts a new relay (replacing any older one), starts the device's handshake on it, and answers the upgrade. */
  async openRelay(binding: BindingRow): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    const peer = this.peer(binding);
    // Unique across bindings too: a late close of a relay from before an unbind must not match this one.
    const relay = Math.max(this.#store.state().relay + 1, Date.now());
    this.#relays.accept(server, relay);
    await peer.relayOpened(relay, initializeInput(binding));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A relay message as a frame to receive; null (and logged) when it came on a relay since replaced. */
  relayFrame(binding: BindingRow, ws: WebSocket, message: string | ArrayBuffer): FrameParse | null {
    const relay = this.#relays.generationOf(ws);
    if (relay === null || relay !== this.#store.state().relay) {
      console.warn("device frame dropped: it came on a replaced relay", { session: binding.session_id });
      return null;
    }
    return typeof message === "string" ? parseFrameText(message) : { ok: false, reason: "binary frame: device frames are text" };
  }

  /** Takes a parsed frame (from the relay or over HTTP); a dropped one is logged. */
  receive(binding: BindingRow, parsed: FrameParse): FrameReceipt {
    const receipt = parsed.ok ? this.peer(binding).receive(parsed.message) : { handled: false, result: parsed.reason };
    if (!receipt.handled) console.warn("device frame dropped", { session: binding.session_id, reason: receipt.result });
    return receipt;
  }

  /** The relay `ws` closed or failed: its calls fail and its tools become unavailable. */
  relayEnded(binding: BindingRow, ws: WebSocket, reason: string): void {
    const relay = this.#relays.generationOf(ws);
    if (relay !== null) this.peer(binding).relayClosed(relay, reason);
  }

  /** Closes every relay because the session ended (or is not bound). */
  closeRelays(reason: string): void {
    this.#relays.closeAll(RelayCloseCode.sessionEnded, reason);
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

  view(binding: BindingRow): DeviceView {
    const state = this.#store.state();
    return deviceView(state, this.#relays.isOpen(state.relay), this.peer(binding).listing().status);
  }
}

function initializeInput(binding: BindingRow): InitializeInput {
  return { deviceId: binding.device_id, visionUrl: binding.vision_url, secret: binding.token };
}
