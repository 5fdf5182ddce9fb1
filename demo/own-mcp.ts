/**
 * The gateway's own MCP manager, as gateways had it before the service, in miniature: two local tools and a
 * direct MCP client to the device. The reference gateway gives it to the client as the fallback hook: it
 * answers while the service is down.
 */
import type { ExecutionResult, FallbackHook, Tool } from "../clients/ts/src/index.ts";
import { describePayload, type Timeline } from "./timeline.ts";

type Json = Record<string, unknown>;

/**
 * The gateway's own MCP manager, as before the service: two local tools and a direct MCP client to the device
 * (it knows the device's tools from the service's last listing). The client's fallback hook.
 */
export class OwnMcpManager implements FallbackHook {
  readonly #timeline: Timeline;
  readonly #sessionId: string;
  readonly #toDevice: (frame: string) => void;
  readonly #pending = new Map<number, (payload: Json) => void>();
  #deviceTools: Tool[] = [];
  #nextId = 1001;

  constructor(timeline: Timeline, sessionId: string, toDevice: (frame: string) => void) {
    this.#timeline = timeline;
    this.#sessionId = sessionId;
    this.#toDevice = toDevice;
  }

  /** The device tools from the service's latest listing (kept when the service is down). */
  remember(tools: Tool[]): void {
    const device = tools.filter((tool) => tool.source === "device");
    if (device.length > 0) this.#deviceTools = device;
  }

  async getTools(): Promise<Tool[]> {
    return [...LOCAL_TOOLS, ...this.#deviceTools];
  }

  async executeTool(toolName: string, args: Record<string, unknown>): Promise<ExecutionResult> {
    if (toolName === "local_get_time") {
      return { success: true, action: "req_llm", result: `现在是 ${new Date().toLocaleTimeString("zh-CN")}`, response: null };
    }
    if (toolName === "local_play_music") {
      return {
        success: true,
        action: "call_handler",
        result: { func_name: "mcp_handler_play_music", args: args.song_name },
        response: null,
      };
    }
    const tool = this.#deviceTools.find((t) => t.name === toolName);
    if (!tool) return failed("tool_error", `the gateway's own manager has no tool ${toolName}`);
    const id = this.#nextId++;
    const payload = {
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: tool.original_name, arguments: coerce(tool, args) },
    };
    const reply = new Promise<Json | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 10_000);
      this.#pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
    });
    this.#timeline.say("gateway", "device", `[mcp] ${describePayload(payload)}  (the gateway's own MCP client)`);
    this.#toDevice(JSON.stringify({ type: "mcp", session_id: this.#sessionId, payload }));
    const answer = await reply;
    this.#pending.delete(id);
    if (!answer) return failed("device_timeout", "the device did not answer within 10 s");
    if (answer.error) return failed("tool_error", String((answer.error as Json).message));
    const content = ((answer.result as Json | undefined)?.content ?? []) as Array<{ text?: string }>;
    return { success: true, action: "req_llm", result: content[0]?.text ?? "", response: null };
  }

  /** Whether the payload is a reply to a call of this manager's. */
  awaits(payload: Json | undefined): boolean {
    return typeof payload?.id === "number" && this.#pending.has(payload.id);
  }

  /** A device reply that did not go to the relay. */
  onDeviceReply(payload: Json | undefined): void {
    if (typeof payload?.id === "number") this.#pending.get(payload.id)?.(payload);
  }

  close(): void {
    for (const resolve of this.#pending.values()) resolve({ error: { message: "the device left" } });
    this.#pending.clear();
  }
}

const LOCAL_TOOLS: Tool[] = [
  {
    name: "local_get_time",
    description: "获取当前时间",
    input_schema: { type: "object", properties: {} },
    source: "local",
    original_name: "get_time",
  },
  {
    name: "local_play_music",
    description: "当用户想要播放音乐/听歌/唱歌时调用",
    input_schema: { type: "object", properties: { song_name: { type: "string" } }, required: ["song_name"] },
    source: "local",
    original_name: "play_music",
  },
];

/** Arguments brought to the schema's types, as the firmware counts a mistyped one as missing. */
function coerce(tool: Tool, args: Record<string, unknown>): Record<string, unknown> {
  const properties = (tool.input_schema.properties ?? {}) as Record<string, { type?: string }>;
  const out: Record<string, unknown> = { ...args };
  for (const [name, value] of Object.entries(args)) {
    const type = properties[name]?.type;
    if (type === "integer" && typeof value === "string" && /^-?\d+$/.test(value)) out[name] = Number(value);
    if (type === "boolean" && (value === "true" || value === "false")) out[name] = value === "true";
  }
  return out;
}

function failed(code: "tool_error" | "device_timeout", message: string): ExecutionResult {
  return { success: false, action: "error", result: null, response: null, error: { code, message } };
}
