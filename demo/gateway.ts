/**
 * A small reference gateway: it speaks the XiaoZhi device WebSocket protocol to devices and uses the MCP tool
 * service through the TypeScript client (clients/ts) for everything MCP — the hook points a real gateway has:
 * - the device's hello (with `features.mcp`): the server hello, then bind the session and open its relay;
 * - the device's `type:"mcp"` frames: piped to the relay unchanged (and the service's frames to the device);
 * - each LLM turn: the session's tools for the LLM, the tool it picks executed, the action mapped
 *   (`call_handler` → the gateway's handler by name, `req_llm` → the LLM phrases the reply, `response` → spoken,
 *   `error` → an apology);
 * - the device leaving: close the relay, unbind.
 * Its own MCP manager (demo/own-mcp.ts: local tools and a direct device MCP client, what gateways had before the
 * service) is the client's fallback hook: it answers when the service fails.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import type { DeviceRelay, ExecutionResult, GatewayResult, ServiceClient, ServiceError, Tool } from "../clients/ts/src/index.ts";
import type { ScriptedLlm, ToolCall } from "./llm.ts";
import { OwnMcpManager } from "./own-mcp.ts";
import { brief, describeMcp, type Timeline } from "./timeline.ts";

/** What one LLM turn did, for the demo's checks. */
export interface TurnRecord {
  sessionId: string;
  userText: string;
  tools: Tool[];
  toolsVia: string;
  call: ToolCall | undefined;
  result: GatewayResult | undefined;
  handler: string | undefined;
  speech: string;
}

export interface GatewayOptions {
  client: ServiceClient;
  llm: ScriptedLlm;
  timeline: Timeline;
  /** The gateway's server secret: the device's vision JWT is signed with it (sent on bind as `token`). */
  serverToken: string;
  /** The gateway's vision endpoint, given to the device through the service's `initialize`. */
  visionUrl: string;
  onTurn?(turn: TurnRecord): void;
  onBound?(sessionId: string, created: boolean): void;
  onRelay?(event: "open" | "lost" | "reopened", sessionId: string, code?: number): void;
  onSessionEnd?(sessionId: string, unbound: boolean | ServiceError): void;
}

type Json = Record<string, unknown>;

export class ReferenceGateway {
  readonly #options: GatewayOptions;
  #server: WebSocketServer | undefined;

  constructor(options: GatewayOptions) {
    this.#options = options;
  }

  /** Listens on a free loopback port; answers the devices' WebSocket URL. */
  async listen(): Promise<string> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0, path: "/xiaozhi/v1/" });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", resolve);
      server.once("error", reject);
    });
    server.on("connection", (socket, request) => new DeviceConnection(this.#options, socket, request));
    this.#server = server;
    const address = server.address();
    if (typeof address === "string") throw new Error(`unexpected address ${address}`);
    return `ws://127.0.0.1:${address.port}/xiaozhi/v1/`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      for (const socket of this.#server?.clients ?? []) socket.close(1001, "gateway stopping");
      if (this.#server) this.#server.close(() => resolve());
      else resolve();
    });
  }
}

/** One device's connection: its session, relay, and the gateway's own MCP manager for it. */
class DeviceConnection {
  readonly #o: GatewayOptions;
  readonly #socket: WebSocket;
  readonly #deviceId: string;
  readonly #clientId: string;
  readonly #sessionId = `demo-${randomBytes(6).toString("hex")}`;
  readonly #own: OwnMcpManager;
  #relay: DeviceRelay | undefined;
  #bound = false;
  #turns: Promise<void> = Promise.resolve();

  constructor(options: GatewayOptions, socket: WebSocket, request: IncomingMessage) {
    this.#o = options;
    this.#socket = socket;
    this.#deviceId = header(request, "device-id") ?? "unknown-device";
    this.#clientId = header(request, "client-id") ?? "unknown-client";
    this.#own = new OwnMcpManager(options.timeline, this.#sessionId, (frame) => this.#sendRaw(frame));
    socket.on("message", (data, isBinary) => {
      if (!isBinary) void this.#onText(data.toString("utf8"));
    });
    socket.on("close", () => void this.#onClose());
  }

  async #onText(text: string): Promise<void> {
    let message: Json;
    try {
      message = JSON.parse(text) as Json;
    } catch {
      return;
    }
    switch (message.type) {
      case "hello":
        return this.#onHello(message);
      case "mcp":
        return this.#onMcp(text, message);
      case "listen":
        if (message.state === "detect" && typeof message.text === "string") {
          const userText = message.text;
          this.#turns = this.#turns.then(() => this.#turn(userText));
        }
        return;
      default:
        return;
    }
  }

  /** The device's hello: the server hello first (the firmware waits 10 s for it), then bind and the relay. */
  async #onHello(hello: Json): Promise<void> {
    const t = this.#o.timeline;
    this.#send({ type: "hello", transport: "websocket", session_id: this.#sessionId, audio_params: hello.audio_params });
    const features = (hello.features ?? {}) as Json;
    const client = this.#o.client;
    if (!client.usesService(this.#deviceId)) {
      t.say(
        "gateway",
        undefined,
        `device ${this.#deviceId} is outside the traffic split: the gateway's own MCP manager serves it`,
      );
      return;
    }
    const started = Date.now();
    const bound = await client.bindSession(this.#sessionId, {
      deviceId: this.#deviceId,
      clientId: this.#clientId,
      visionUrl: this.#o.visionUrl,
      token: this.#o.serverToken,
    });
    this.#bound = true;
    this.#o.onBound?.(this.#sessionId, bound.created);
    t.say(
      "gateway",
      "service",
      `POST /sessions/${this.#sessionId}/bind {device_id: ${this.#deviceId}, client_id, vision_url, token}` +
        ` → ${bound.message}${bound.created ? " (created)" : ""}  ${Date.now() - started} ms`,
    );
    if (features.mcp !== true) return;
    this.#relay = await client.openRelay(this.#sessionId, {
      toDevice: (frame) => {
        t.say("service", "device", `[mcp] ${describeMcp(frame)}  (relayed by the gateway)`);
        this.#sendRaw(frame);
      },
      onClose: (code, _reason, reopening) => {
        if (!reopening) return;
        t.say(
          "service",
          "gateway",
          `relay lost (${code}): reopening it; meanwhile the device's mcp frames go to the gateway's own MCP client`,
        );
        this.#o.onRelay?.("lost", this.#sessionId, code);
      },
      onReopen: () => {
        t.say("gateway", "service", "relay reopened: the service initializes the device again");
        this.#o.onRelay?.("reopened", this.#sessionId);
      },
    });
    t.say("gateway", "service", `relay opened: GET /sessions/${this.#sessionId}/relay (WebSocket)`);
    this.#o.onRelay?.("open", this.#sessionId);
  }

  /** A device MCP frame: to the relay unchanged; without one, to the gateway's own MCP client. */
  #onMcp(text: string, message: Json): void {
    const t = this.#o.timeline;
    const payload = message.payload as Json | undefined;
    if (!this.#own.awaits(payload) && this.#relay?.fromDevice(text)) {
      t.say("device", "service", `[mcp] ${describeMcp(text)}  (relayed by the gateway)`);
      return;
    }
    t.say("device", "gateway", `[mcp] ${describeMcp(text)}`);
    this.#own.onDeviceReply(payload);
  }

  /** One LLM turn: tools, the LLM's pick, the execution, the action mapped, the reply spoken. */
  async #turn(userText: string): Promise<void> {
    const t = this.#o.timeline;
    const client = this.#o.client;
    let started = Date.now();
    const tools = await client.getTools(this.#sessionId, { fallbackHook: this.#own });
    const bySource = countBy(tools.tools.map((tool) => tool.source));
    t.say(
      "gateway",
      "service",
      `GET /tools → ${tools.tools.length} tools (${bySource})` +
        (tools.via === "fallback" ? `  ✗ ${tools.fallback_error?.code}: the gateway's own manager listed them` : "") +
        `  ${Date.now() - started} ms`,
    );
    this.#own.remember(tools.via === "service" ? tools.tools : []);
    t.say("gateway", "llm", `"${userText}" with ${tools.tools.length} tools`);
    const call = this.#o.llm.pickTool(userText, tools.tools);
    const record: TurnRecord = {
      sessionId: this.#sessionId,
      userText,
      tools: tools.tools,
      toolsVia: tools.via,
      call,
      result: undefined,
      handler: undefined,
      speech: "",
    };
    if (!call) {
      t.say("llm", "gateway", "no tool fits; answers by itself");
      record.speech = "这个我还不会。";
    } else {
      t.say("llm", "gateway", `tool call ${call.name} ${JSON.stringify(call.arguments)}`);
      started = Date.now();
      const result = await client.executeTool(this.#sessionId, call.name, call.arguments, {
        deviceId: this.#deviceId,
        fallbackHook: this.#own,
      });
      record.result = result;
      const answered =
        result.via === "fallback"
          ? `✗ ${result.fallback_error?.code} [request ${result.fallback_error?.requestId}]: fallback → the gateway's own manager: ${result.action} ${brief(result.result ?? result.error, 60)}`
          : `${result.action} ${brief(result.result ?? result.response ?? result.error, 70)}`;
      t.say("gateway", "service", `POST /tools/${call.name}/execute → ${answered}  ${Date.now() - started} ms`);
      record.speech = this.#mapAction(call, result, record);
    }
    this.#send({ type: "tts", state: "start", session_id: this.#sessionId });
    this.#send({ type: "tts", state: "sentence_start", text: record.speech, session_id: this.#sessionId });
    this.#send({ type: "tts", state: "stop", session_id: this.#sessionId });
    t.say("gateway", "device", `tts "${record.speech}"`);
    this.#o.onTurn?.(record);
  }

  /** The ExecutionResult's action, as the gateway carries it out; answers what the device says. */
  #mapAction(call: ToolCall, result: ExecutionResult, record: TurnRecord): string {
    const t = this.#o.timeline;
    switch (result.action) {
      case "call_handler": {
        const { func_name, args } = result.result as { func_name: string; args: unknown };
        record.handler = func_name;
        const said = runHandler(func_name, args);
        t.say("gateway", undefined, `handler ${func_name}(${JSON.stringify(args)}) → "${said}"`);
        return said;
      }
      case "req_llm": {
        const text = typeof result.result === "string" ? result.result : JSON.stringify(result.result);
        t.say("gateway", "llm", `tool result for the next turn: ${brief(text, 80)}`);
        const reply = this.#o.llm.reply(call, text);
        t.say("llm", "gateway", `"${reply}"`);
        return reply;
      }
      case "response":
        return result.response ?? "";
      case "error":
        return `抱歉，${call.name} 没有成功：${result.error?.message ?? "未知错误"}`;
      case "none":
        return "好的。";
    }
  }

  /** The device went: close the relay, unbind. */
  async #onClose(): Promise<void> {
    const t = this.#o.timeline;
    t.say("device", "gateway", "WebSocket closed: the device left");
    await this.#turns;
    this.#own.close();
    if (this.#relay) {
      await this.#relay.close(1000, "device left");
      t.say("gateway", "service", "relay closed (1000 device left)");
    }
    if (!this.#bound) return;
    try {
      const unbound = await this.#o.client.unbind(this.#sessionId);
      t.say("gateway", "service", `DELETE /sessions/${this.#sessionId} → ${unbound ? "session unbound" : "was not bound"}`);
      this.#o.onSessionEnd?.(this.#sessionId, unbound);
    } catch (err) {
      const error = err as ServiceError;
      t.say("gateway", "service", `DELETE /sessions/${this.#sessionId} ✗ ${error.code}: ${error.message}`);
      this.#o.onSessionEnd?.(this.#sessionId, error);
    }
  }

  #send(message: Json): void {
    this.#sendRaw(JSON.stringify(message));
  }

  #sendRaw(frame: string): void {
    if (this.#socket.readyState === 1) this.#socket.send(frame);
  }
}

/** The gateway's handlers for `call_handler` results (xiaozhi-server-go's mcp_handler_*), in miniature. */
function runHandler(name: string, args: unknown): string {
  switch (name) {
    case "mcp_handler_play_music":
      return `正在播放音乐: ${String(args)}`;
    case "mcp_handler_exit":
      return `即将结束对话: ${String(args)}`;
    case "mcp_handler_change_voice":
      return `切换语音成功，当前音色: ${String(args)}`;
    default:
      return `（${name} 未实现）`;
  }
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function countBy(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
}
