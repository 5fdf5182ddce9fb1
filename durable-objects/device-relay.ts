/**
 * @module durable-objects/device-relay
 * The relay sockets of a session, held with the WebSocket Hibernation API: an idle relay costs nothing and
 * survives hibernation, and text `ping` is answered `pong` by the runtime without waking the object.
 *
 * Each relay is tagged and carries its generation in its attachment (which survives hibernation). Only the
 * newest generation is the session's relay: accepting a new one closes the others (the device reconnected),
 * so events from an older socket are recognised and ignored.
 */
import type { Logger } from "../src/observability/log";
import type { DeviceLink } from "../src/tools/device/store";

const RELAY_TAG = "device-relay";

/** Close codes the gateway may see on its relay. */
export const RelayCloseCode = {
  /** A newer relay for the same session took over. */
  replaced: 4000,
  /** The session was unbound or expired. */
  sessionEnded: 4001,
} as const;

interface RelayAttachment {
  relay: number;
}

/** The relay as a ping/pong pair the runtime answers by itself. */
export function relayAutoResponse(): WebSocketRequestResponsePair {
  return new WebSocketRequestResponsePair("ping", "pong");
}

export class RelaySockets implements DeviceLink {
  constructor(
    private readonly ctx: DurableObjectState,
    /** A failed send is written on it. */
    private readonly logger: Logger,
  ) {}

  /** Accepts `server` as the relay of generation `relay`, closing every older one. */
  accept(server: WebSocket, relay: number): void {
    this.closeAll(RelayCloseCode.replaced, "replaced by a newer relay for this session");
    this.ctx.acceptWebSocket(server, [RELAY_TAG]);
    server.serializeAttachment({ relay } satisfies RelayAttachment);
  }

  /** The generation `ws` was accepted as; null for a socket that is not a relay. */
  generationOf(ws: WebSocket): number | null {
    const attachment = ws.deserializeAttachment() as RelayAttachment | null;
    return typeof attachment?.relay === "number" ? attachment.relay : null;
  }

  isOpen(relay: number): boolean {
    return this.#socket(relay) !== undefined;
  }

  send(relay: number, frame: string): boolean {
    const ws = this.#socket(relay);
    if (!ws) return false;
    try {
      ws.send(frame);
      return true;
    } catch (err) {
      this.logger.warn("device_relay_send_failed", { relay, error: String(err) });
      return false;
    }
  }

  closeAll(code: number, reason: string): void {
    for (const ws of this.ctx.getWebSockets(RELAY_TAG)) close(ws, code, reason);
  }

  #socket(relay: number): WebSocket | undefined {
    return this.ctx.getWebSockets(RELAY_TAG).find((ws) => ws.readyState === WebSocket.OPEN && this.generationOf(ws) === relay);
  }
}

/** Close codes a peer may report but no endpoint may send (RFC 6455 7.4.1): answered as a normal closure. */
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);

/**
 * Answers the Close frame a peer sent on `ws` with one of its own, completing the closing handshake: with the
 * Hibernation API the runtime does not, and the gateway's socket would hang in CLOSING until its own timeout.
 */
export function answerClose(ws: WebSocket, code: number, reason: string): void {
  close(ws, RESERVED_CLOSE_CODES.has(code) ? 1000 : code, reason);
}

/** Closes `ws` unless it is already closing. */
function close(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed or closing: nothing left to do.
  }
}
