/**
 * The device relay: one WebSocket per device connection between the gateway and the session, through which the
 * service talks MCP with the device. The gateway only pipes: every frame from the service goes to the device
 * unchanged; every `type:"mcp"` frame from the device goes to the relay unchanged. A text `ping` keeps it
 * alive (the service answers `pong`, which is not forwarded).
 */
import { randomBytes } from "node:crypto";
import { ClientCode, ServiceError } from "./errors.ts";

export interface RelayOptions {
  /** `ws(s)://…/api/v1/mcp/sessions/{id}/relay` (ServiceClient.openRelay fills it in). */
  url: string;
  apiKey: string;
  /** Where the service's frames go: the device's WebSocket. */
  toDevice(frame: string): void | Promise<void>;
  /** The relay closed (the service replaced it — code 4000 —, the session was unbound — 4001 —, or it went). */
  onClose?(code: number, reason: string): void;
  /** Text `ping` interval; 0 disables (default 30 s). */
  pingIntervalMs?: number;
  /** How long opening may take (default 10 s). */
  openTimeoutMs?: number;
}

/** Whether a device's text frame is an MCP frame (`{"type":"mcp", …}`), the only kind the relay takes. */
export function isMcpFrame(frame: string): boolean {
  try {
    const parsed = JSON.parse(frame) as unknown;
    return typeof parsed === "object" && parsed !== null && (parsed as { type?: unknown }).type === "mcp";
  } catch {
    return false;
  }
}

export class DeviceRelay {
  /** Resolves with the close code and reason once the relay has closed, whoever closed it. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;
  #ping: ReturnType<typeof setInterval> | undefined;

  private constructor(ws: WebSocket, options: RelayOptions) {
    this.#ws = ws;
    ws.onmessage = (event) => {
      const frame = typeof event.data === "string" ? event.data : Buffer.from(event.data as ArrayBuffer).toString("utf8");
      if (frame === "pong") return;
      void Promise.resolve(options.toDevice(frame)).catch(() => {});
    };
    this.closed = new Promise((resolve) => {
      ws.onclose = (event) => {
        clearInterval(this.#ping);
        options.onClose?.(event.code, event.reason);
        resolve({ code: event.code, reason: event.reason });
      };
    });
    const every = options.pingIntervalMs ?? 30_000;
    if (every > 0) {
      this.#ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), every);
      this.#ping.unref();
    }
  }

  /** Opens the relay; rejects with a ServiceError when the service refuses or cannot be reached. */
  static open(options: RelayOptions): Promise<DeviceRelay> {
    const requestId = `gw-${randomBytes(12).toString("hex")}`;
    // Node's WebSocket (undici) takes request headers as a non-standard option.
    const ws = new WebSocket(options.url, {
      headers: { Authorization: `Bearer ${options.apiKey}`, "X-Request-Id": requestId },
    });
    ws.binaryType = "arraybuffer";
    const failure = (message: string, code: string = ClientCode.unavailable) =>
      new ServiceError({ op: "openRelay", code, message, requestId });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.close();
        reject(failure(`the relay did not open within ${options.openTimeoutMs ?? 10_000} ms`, ClientCode.timeout));
      }, options.openTimeoutMs ?? 10_000);
      ws.onerror = () => {
        clearTimeout(timer);
        reject(failure(`could not open the relay at ${options.url} (refused, or the service is unreachable)`));
      };
      ws.onopen = () => {
        clearTimeout(timer);
        ws.onerror = null;
        resolve(new DeviceRelay(ws, options));
      };
    });
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /**
   * A text frame from the device: forwarded unchanged when it is a `type:"mcp"` frame and the relay is open.
   * Answers whether it was forwarded (the gateway handles every other frame itself).
   */
  fromDevice(frame: string): boolean {
    if (!this.isOpen || !isMcpFrame(frame)) return false;
    this.#ws.send(frame);
    return true;
  }

  /**
   * Closes the relay (the device went). Resolves once it has closed, or after `waitMs` (default 1 s) at most: the
   * gateway need not wait for the close handshake (`wrangler dev` ends the connection only ~10 s later).
   */
  async close(code = 1000, reason = "device disconnected", waitMs = 1000): Promise<void> {
    clearInterval(this.#ping);
    if (this.#ws.readyState === WebSocket.CONNECTING || this.#ws.readyState === WebSocket.OPEN) this.#ws.close(code, reason);
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.closed, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }
}
