/**
 * The device relay: one WebSocket per device connection between the gateway and the session, through which the
 * service talks MCP with the device. The gateway only pipes: every frame from the service goes to the device
 * unchanged; every `type:"mcp"` frame from the device goes to the relay unchanged. A text `ping` keeps it
 * alive (the service answers `pong`, which is not forwarded). When the connection is lost (the service
 * restarted, the network broke) it is opened again with backoff, and the service initializes the device anew;
 * it is not reopened after the gateway closed it, the session was unbound (4001) or another relay replaced it
 * (4000).
 */
import { randomBytes } from "node:crypto";
import { ClientCode, ServiceError } from "./errors.ts";

export interface RelayOptions {
  /** `ws(s)://…/api/v1/mcp/sessions/{id}/relay` (ServiceClient.openRelay fills it in). */
  url: string;
  apiKey: string;
  /** Where the service's frames go: the device's WebSocket. */
  toDevice(frame: string): void | Promise<void>;
  /** The relay closed; `reopening` says whether it will be opened again. */
  onClose?(code: number, reason: string, reopening: boolean): void;
  /** The relay opened again after a lost connection. */
  onReopen?(): void;
  /** Text `ping` interval; 0 disables (default 30 s). */
  pingIntervalMs?: number;
  /** How long opening may take (default 10 s). */
  openTimeoutMs?: number;
  /** Reopen a lost relay (default true), waiting from `reopenDelayMs` (500 ms), doubling to 10 s, jittered. */
  reopen?: boolean;
  reopenDelayMs?: number;
}

/** Close codes after which the relay is not reopened: the gateway closed it, the service replaced it (4000) or
 * the session was unbound or expired (4001). */
const FINAL_CODES = new Set([1000, 4000, 4001]);
const MAX_REOPEN_DELAY_MS = 10_000;

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
  /** Resolves with the close code and reason once the relay has closed for good. */
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #options: RelayOptions;
  #ws: WebSocket;
  #ping: ReturnType<typeof setInterval> | undefined;
  #reopenTimer: ReturnType<typeof setTimeout> | undefined;
  #closing = false;
  #resolveClosed: (value: { code: number; reason: string }) => void = () => {};

  private constructor(ws: WebSocket, options: RelayOptions) {
    this.#options = options;
    this.#ws = ws;
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#attach(ws);
  }

  /** Opens the relay; rejects with a ServiceError when the service refuses or cannot be reached. */
  static async open(options: RelayOptions): Promise<DeviceRelay> {
    return new DeviceRelay(await connect(options), options);
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
   * Closes the relay for good (the device went). Resolves once it has closed, or after `waitMs` (default 1 s) at
   * most: the gateway need not wait for the close handshake (`wrangler dev` ends the connection only ~10 s later).
   */
  async close(code = 1000, reason = "device disconnected", waitMs = 1000): Promise<void> {
    this.#closing = true;
    clearInterval(this.#ping);
    clearTimeout(this.#reopenTimer);
    if (this.#ws.readyState === WebSocket.CONNECTING || this.#ws.readyState === WebSocket.OPEN) this.#ws.close(code, reason);
    else this.#resolveClosed({ code, reason });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.closed, new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  #attach(ws: WebSocket): void {
    ws.onmessage = (event) => {
      const frame = typeof event.data === "string" ? event.data : Buffer.from(event.data as ArrayBuffer).toString("utf8");
      if (frame === "pong") return;
      void Promise.resolve(this.#options.toDevice(frame)).catch(() => {});
    };
    ws.onclose = (event) => {
      clearInterval(this.#ping);
      const reopening = !this.#closing && this.#options.reopen !== false && !FINAL_CODES.has(event.code);
      this.#options.onClose?.(event.code, event.reason, reopening);
      if (reopening) this.#scheduleReopen(1);
      else this.#resolveClosed({ code: event.code, reason: event.reason });
    };
    const every = this.#options.pingIntervalMs ?? 30_000;
    if (every > 0) {
      this.#ping = setInterval(() => ws.readyState === WebSocket.OPEN && ws.send("ping"), every);
      this.#ping.unref();
    }
  }

  #scheduleReopen(attempt: number): void {
    const base = Math.min(MAX_REOPEN_DELAY_MS, (this.#options.reopenDelayMs ?? 500) * 2 ** (attempt - 1));
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    this.#reopenTimer = setTimeout(() => {
      connect(this.#options).then(
        (ws) => {
          if (this.#closing) {
            ws.close(1000, "device disconnected");
            return;
          }
          this.#ws = ws;
          this.#attach(ws);
          this.#options.onReopen?.();
        },
        () => {
          if (!this.#closing) this.#scheduleReopen(attempt + 1);
        },
      );
    }, delay);
  }
}

/** One WebSocket to the relay, open. */
function connect(options: RelayOptions): Promise<WebSocket> {
  const requestId = `gw-${randomBytes(12).toString("hex")}`;
  // Node's WebSocket (undici) takes request headers as a non-standard option.
  const ws = new WebSocket(options.url, {
    headers: { Authorization: `Bearer ${options.apiKey}`, "X-Request-Id": requestId },
  });
  ws.binaryType = "arraybuffer";
  const failure = (message: string, code: string = ClientCode.unavailable) =>
    new ServiceError({ op: "openRelay", code, message, requestId });
  const openTimeoutMs = options.openTimeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(failure(`the relay did not open within ${openTimeoutMs} ms`, ClientCode.timeout));
    }, openTimeoutMs);
    ws.onerror = () => {
      clearTimeout(timer);
      reject(failure(`could not open the relay at ${options.url} (refused, or the service is unreachable)`));
    };
    ws.onopen = () => {
      clearTimeout(timer);
      ws.onerror = null;
      resolve(ws);
    };
  });
}
