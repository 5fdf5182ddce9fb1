/**
 * A simulated XiaoZhi device: the test suite's firmware MCP server (test/device-simulator.ts) behind a WebSocket
 * client that speaks the device protocol to the gateway — the handshake headers, the hello with
 * `features.mcp`, `type:"mcp"` frames to and from its MCP server, and what the user says as a `listen` `detect`
 * frame with text (the gateway's speech recognition, skipped), answered with `tts` frames.
 */
import { DeviceSimulator } from "../test/device-simulator.ts";
import { brief, type Timeline } from "./timeline.ts";

export interface DeviceOptions {
  deviceId: string;
  clientId: string;
  /** The gateway's server secret, as the simulated vision endpoint knows it. */
  visionSecret: string;
  timeline: Timeline;
}

export class DemoDevice {
  readonly sim: DeviceSimulator;
  readonly #ws: WebSocket;
  readonly #timeline: Timeline;
  #sessionId = "";
  #spoken: string[] = [];
  #turnDone: ((sentences: string[]) => void) | undefined;
  readonly #closed: Promise<void>;

  private constructor(ws: WebSocket, options: DeviceOptions) {
    this.#ws = ws;
    this.#timeline = options.timeline;
    this.sim = new DeviceSimulator({ deviceId: options.deviceId, visionSecret: options.visionSecret });
    // The firmware fills in the session id of the server hello.
    this.sim.connect((frame) => ws.send(frame.replace('"session_id":""', `"session_id":${JSON.stringify(this.#sessionId)}`)));
    this.#closed = new Promise((resolve) => ws.addEventListener("close", () => resolve()));
  }

  /** Connects to the gateway and exchanges hellos; resolves once the server hello came. */
  static async connect(url: string, options: DeviceOptions): Promise<DemoDevice> {
    // Node's WebSocket (undici) takes request headers as a non-standard option.
    const ws = new WebSocket(url, {
      headers: {
        Authorization: "Bearer device-access-token",
        "Protocol-Version": "1",
        "Device-Id": options.deviceId,
        "Client-Id": options.clientId,
      },
    });
    const device = new DemoDevice(ws, options);
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`the device could not reach the gateway at ${url}`));
    });
    const hello = {
      type: "hello",
      version: 1,
      transport: "websocket",
      features: { mcp: true },
      audio_params: { format: "opus", sample_rate: 16000, channels: 1, frame_duration: 60 },
    };
    options.timeline.say(
      "device",
      "gateway",
      `hello ${JSON.stringify({ features: hello.features, transport: hello.transport })}`,
    );
    const serverHello = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("no server hello within 10 s (the firmware gives up)")), 10_000);
      device.#onServerHello = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    ws.onmessage = (event) => device.#onFrame(String(event.data));
    ws.send(JSON.stringify(hello));
    await serverHello;
    return device;
  }

  #onServerHello: () => void = () => {};

  /** The session id of the gateway's server hello. */
  get sessionId(): string {
    return this.#sessionId;
  }

  /** The user says something; resolves with the sentences the gateway had the device speak. */
  say(text: string): Promise<string[]> {
    this.#spoken = [];
    const done = new Promise<string[]>((resolve) => (this.#turnDone = resolve));
    this.#timeline.say("device", "gateway", `listen detect "${text}"  (the user speaks; speech recognition skipped)`);
    this.#ws.send(JSON.stringify({ session_id: this.#sessionId, type: "listen", state: "detect", text }));
    return done;
  }

  /** The device goes away (closes its WebSocket). */
  async leave(): Promise<void> {
    this.#ws.close(1000, "bye");
    await this.#closed;
  }

  #onFrame(frame: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(frame) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (message.type) {
      case "hello":
        this.#sessionId = typeof message.session_id === "string" ? message.session_id : "";
        this.#timeline.say("gateway", "device", `hello {session_id: ${this.#sessionId}, transport: websocket}`);
        this.#onServerHello();
        return;
      case "mcp":
        void this.sim.receive(frame);
        return;
      case "tts":
        if (message.state === "sentence_start") this.#spoken.push(String(message.text));
        if (message.state === "stop") this.#turnDone?.(this.#spoken);
        return;
      default:
        this.#timeline.say("gateway", "device", brief(message));
    }
  }
}
