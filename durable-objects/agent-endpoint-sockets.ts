/**
 * @module durable-objects/agent-endpoint-sockets
 * An endpoint's sockets, held with the WebSocket Hibernation API: an idle socket costs nothing and survives
 * hibernation and eviction of the object. Each is tagged `endpoint` and carries its socket number in its
 * attachment (which survives both), the key of its row in agent-endpoint-storage.
 */
import type { Logger } from "../src/observability/log";

const ENDPOINT_TAG = "endpoint";

interface SocketAttachment {
  socket: number;
}

export class EndpointSockets {
  constructor(
    private readonly ctx: DurableObjectState,
    /** A failed send is written on it. */
    private readonly logger: Logger,
  ) {}

  /** Accepts `server` as socket number `socket`. */
  accept(server: WebSocket, socket: number): void {
    this.ctx.acceptWebSocket(server, [ENDPOINT_TAG]);
    server.serializeAttachment({ socket } satisfies SocketAttachment);
  }

  /** How many sockets are open (or still closing). */
  count(): number {
    return this.ctx.getWebSockets(ENDPOINT_TAG).length;
  }

  /** The socket number `ws` was accepted as; null for one that is not an endpoint socket. */
  numberOf(ws: WebSocket): number | null {
    const attachment = ws.deserializeAttachment() as SocketAttachment | null;
    return typeof attachment?.socket === "number" ? attachment.socket : null;
  }

  /** Sends each frame on socket `socket`; false when it is not open or a send failed. */
  send(socket: number, frames: readonly string[]): boolean {
    const ws = this.#find(socket);
    if (!ws) return false;
    try {
      for (const frame of frames) ws.send(frame);
      return true;
    } catch (error) {
      this.logger.warn("endpoint_socket_send_failed", { socket, error: String(error) });
      return false;
    }
  }

  /** Closes socket `socket` (if still open) with `code` and `reason`. */
  close(socket: number, code: number, reason: string): void {
    const ws = this.#find(socket);
    if (ws) closeQuietly(ws, code, reason);
  }

  /** Closes every socket; answers how many there were. */
  closeAll(code: number, reason: string): number {
    const all = this.ctx.getWebSockets(ENDPOINT_TAG);
    for (const ws of all) closeQuietly(ws, code, reason);
    return all.length;
  }

  #find(socket: number): WebSocket | undefined {
    return this.ctx.getWebSockets(ENDPOINT_TAG).find((ws) => ws.readyState === WebSocket.OPEN && this.numberOf(ws) === socket);
  }
}

/** The most UTF-8 bytes a close reason may have (RFC 6455 §5.5: a control frame's 125, less the code's 2). */
const MAX_CLOSE_REASON_BYTES = 123;

/** Closes `ws` unless it is already closing, with `reason` cut to what a close frame holds. */
export function closeQuietly(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, fitReason(reason));
  } catch {
    // Already closed or closing: nothing left to do.
  }
}

function fitReason(reason: string): string {
  const encoder = new TextEncoder();
  let fitted = reason;
  while (encoder.encode(fitted).byteLength > MAX_CLOSE_REASON_BYTES) fitted = fitted.slice(0, -1);
  return fitted;
}
