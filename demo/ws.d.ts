/**
 * The part of `ws` (a devDependency, the WebSocket server the reference gateway listens with) that the demo uses.
 * Declared here because the project does not carry @types/ws.
 */
declare module "ws" {
  import type { IncomingMessage } from "node:http";
  import type { EventEmitter } from "node:events";

  export class WebSocket extends EventEmitter {
    static readonly OPEN: 1;
    readonly readyState: 0 | 1 | 2 | 3;
    send(data: string): void;
    close(code?: number, reason?: string): void;
    on(event: "message", listener: (data: Buffer, isBinary: boolean) => void): this;
    on(event: "close", listener: (code: number, reason: Buffer) => void): this;
    on(event: "error", listener: (err: Error) => void): this;
  }

  export interface ServerOptions {
    host?: string;
    port?: number;
    path?: string;
  }

  export class WebSocketServer extends EventEmitter {
    constructor(options: ServerOptions);
    readonly clients: Set<WebSocket>;
    address(): { port: number; address: string } | string;
    close(callback?: (err?: Error) => void): void;
    on(event: "connection", listener: (socket: WebSocket, request: IncomingMessage) => void): this;
    on(event: "listening", listener: () => void): this;
    on(event: "error", listener: (err: Error) => void): this;
    once(event: "listening", listener: () => void): this;
    once(event: "error", listener: (err: Error) => void): this;
  }
}
