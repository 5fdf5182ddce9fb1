/**
 * @module test/device-simulator
 * A XiaoZhi device's MCP server, behaving as the firmware's `McpServer` does (78/xiaozhi-esp32, main/mcp_server.cc):
 * - it reads only `payload`; drops silently anything whose `jsonrpc` is not "2.0", without a string `method`,
 *   with non-object `params`, without a numeric `id`, and every `notifications/*`;
 * - `tools/list` pages at 8000 bytes of JSON, `nextCursor` being the name of the next page's first tool;
 *   user-only tools only with `withUserTools`;
 * - `tools/call` counts an argument only when its JSON type matches the property's (else it is missing unless it
 *   has a default), checks integer ranges, and answers errors as `{"message"}` without `code`;
 * - return values become one text item (bool → "true"/"false", int → digits, objects → compact JSON);
 * - `self.camera.take_photo` posts to the vision URL given in `initialize`; here the vision endpoint is
 *   simulated in-process: it checks the token as xiaozhi-server-go's does (HS256 with the gateway's secret,
 *   `device_id` claim) and answers `{"success", "result"}`, which becomes the tool's text.
 * Replies go out asynchronously, as the firmware schedules tool calls on its main task.
 */
import { verifyHs256 } from "./vision-token-check.ts";

type PropertyType = "boolean" | "integer" | "string";

export interface SimProperty {
  type: PropertyType;
  default?: boolean | number | string;
  minimum?: number;
  maximum?: number;
}

export type ReturnValue = boolean | number | string | Record<string, unknown>;

export interface SimTool {
  name: string;
  description: string;
  properties?: Record<string, SimProperty>;
  userOnly?: boolean;
  /** What else the listing declares of the tool (`title`, `annotations`, `outputSchema`, …), as a board may. */
  declared?: Record<string, unknown>;
  /** Throws to answer with an error (its message). */
  run(args: Record<string, boolean | number | string>): ReturnValue | Promise<ReturnValue>;
}

export interface SimulatorOptions {
  deviceId?: string;
  /** The gateway's server secret, as its vision endpoint knows it. */
  visionSecret?: string;
  /** Board tools, appended after the common ones (as boards add theirs). */
  boardTools?: SimTool[];
}

const MAX_PAYLOAD_SIZE = 8000;

type Payload = Record<string, unknown>;

export class DeviceSimulator {
  /** Every payload the device was sent, in order, whether it answered or not. */
  readonly received: Payload[] = [];
  volume = 50;
  brightness = 80;
  theme = "light";
  vision: { url: string; token: string } | undefined;
  tools: SimTool[];
  /** While true, `tools/call` replies wait for {@link releaseCalls}. */
  holdCalls = false;
  readonly #held: Array<{ id: number; reply: () => Promise<void> }> = [];
  readonly #deviceId: string;
  readonly #visionSecret: string | undefined;
  #send: (frame: string) => void = () => {
    throw new Error("the simulated device is not connected");
  };

  constructor(options: SimulatorOptions = {}) {
    this.#deviceId = options.deviceId ?? "AA:BB:CC:DD:EE:FF";
    this.#visionSecret = options.visionSecret;
    this.tools = [...this.#commonTools(), ...(options.boardTools ?? [])];
  }

  /** Where the device's frames go (the gateway's side of its WebSocket). */
  connect(send: (frame: string) => void): void {
    this.#send = send;
  }

  /** A frame from the service, as the gateway forwards it. */
  async receive(frame: string): Promise<void> {
    let envelope: unknown;
    try {
      envelope = JSON.parse(frame);
    } catch {
      return;
    }
    if (!isObject(envelope) || envelope.type !== "mcp" || !isObject(envelope.payload)) return;
    const payload = envelope.payload;
    this.received.push(payload);
    if (payload.jsonrpc !== "2.0" || typeof payload.method !== "string") return;
    if (payload.method.startsWith("notifications")) return;
    if (payload.params !== undefined && !isObject(payload.params)) return;
    if (typeof payload.id !== "number") return;
    const id = Math.trunc(payload.id);
    const params = payload.params;
    switch (payload.method) {
      case "initialize":
        this.#initialize(params);
        this.#reply(id, {
          protocolVersion: "2024-11-05",
          capabilities: { tools: {} },
          serverInfo: { name: "sim-board", version: "2.0.0" },
        });
        return;
      case "tools/list":
        this.#listTools(id, typeof params?.cursor === "string" ? params.cursor : "", params?.withUserTools === true);
        return;
      case "tools/call":
        await this.#callTool(id, params);
        return;
      default:
        this.#error(id, `Method not implemented: ${payload.method}`);
    }
  }

  /** A device-initiated notification (no id; the service must not answer). */
  notify(method: string, params: Payload): void {
    this.#send(JSON.stringify({ session_id: "", type: "mcp", payload: { jsonrpc: "2.0", method, params } }));
  }

  /** Sends the held `tools/call` replies, in the given order of their ids (default: as received). */
  async releaseCalls(order: "received" | "reverse" = "received"): Promise<void> {
    const held = this.#held.splice(0);
    if (order === "reverse") held.reverse();
    for (const { reply } of held) await reply();
  }

  /** Ids of the held `tools/call` requests. */
  heldCallIds(): number[] {
    return this.#held.map((h) => h.id);
  }

  /** The payloads received for `method`. */
  requests(method: string): Payload[] {
    return this.received.filter((p) => p.method === method);
  }

  #initialize(params: Payload | undefined): void {
    const capabilities = params?.capabilities;
    if (!isObject(capabilities) || !isObject(capabilities.vision)) return;
    const { url, token } = capabilities.vision;
    if (typeof url === "string") this.vision = { url, token: typeof token === "string" ? token : "" };
  }

  #listTools(id: number, cursor: string, withUserTools: boolean): void {
    let json = '{"tools":[';
    let foundCursor = cursor === "";
    let nextCursor = "";
    for (const tool of this.tools) {
      if (!foundCursor) {
        if (tool.name !== cursor) continue;
        foundCursor = true;
      }
      if (!withUserTools && tool.userOnly) continue;
      const toolJson = `${JSON.stringify(toolToJson(tool))},`;
      if (byteLength(json) + byteLength(toolJson) + 30 > MAX_PAYLOAD_SIZE) {
        nextCursor = tool.name;
        break;
      }
      json += toolJson;
    }
    if (json.endsWith(",")) json = json.slice(0, -1);
    if (json.endsWith("[") && this.tools.length > 0) {
      this.#error(id, `Failed to add tool ${nextCursor} because of payload size limit`);
      return;
    }
    json += nextCursor === "" ? "]}" : `],"nextCursor":"${nextCursor}"}`;
    this.#reply(id, JSON.parse(json));
  }

  async #callTool(id: number, params: Payload | undefined): Promise<void> {
    if (!params) return this.#error(id, "Missing params");
    if (typeof params.name !== "string") return this.#error(id, "Missing name");
    if (params.arguments !== undefined && !isObject(params.arguments)) return this.#error(id, "Invalid arguments");
    const tool = this.tools.find((t) => t.name === params.name);
    if (!tool) return this.#error(id, `Unknown tool: ${params.name}`);
    const given = params.arguments ?? {};
    const args: Record<string, boolean | number | string> = {};
    for (const [name, property] of Object.entries(tool.properties ?? {})) {
      const value = given[name];
      let found = false;
      if (property.type === "boolean" && typeof value === "boolean") found = true;
      else if (property.type === "integer" && typeof value === "number") found = true;
      else if (property.type === "string" && typeof value === "string") found = true;
      if (found) {
        const n = property.type === "integer" ? Math.trunc(value as number) : undefined;
        if (n !== undefined && property.minimum !== undefined && n < property.minimum) {
          return this.#error(id, `Value is below minimum allowed: ${property.minimum}`);
        }
        if (n !== undefined && property.maximum !== undefined && n > property.maximum) {
          return this.#error(id, `Value exceeds maximum allowed: ${property.maximum}`);
        }
        args[name] = n ?? (value as boolean | string);
      } else if (property.default !== undefined) {
        args[name] = property.default;
      } else {
        return this.#error(id, `Missing valid argument: ${name}`);
      }
    }
    const reply = async () => {
      try {
        const value = await tool.run(args);
        this.#reply(id, { content: [{ type: "text", text: toText(value) }], isError: false });
      } catch (err) {
        this.#error(id, (err as Error).message);
      }
    };
    if (this.holdCalls) this.#held.push({ id, reply });
    else await reply();
  }

  #reply(id: number, result: unknown): void {
    this.#send(JSON.stringify({ session_id: "", type: "mcp", payload: { jsonrpc: "2.0", id, result } }));
  }

  #error(id: number, message: string): void {
    this.#send(JSON.stringify({ session_id: "", type: "mcp", payload: { jsonrpc: "2.0", id, error: { message } } }));
  }

  #commonTools(): SimTool[] {
    return [
      {
        name: "self.get_device_status",
        description:
          "Provides the real-time information of the device, including the current status of the audio speaker, screen, battery, network, etc.",
        run: () => ({
          audio_speaker: { volume: this.volume },
          screen: { brightness: this.brightness, theme: this.theme },
          battery: { level: 87, charging: false },
          network: { type: "wifi", ssid: "home", signal: "strong" },
        }),
      },
      {
        name: "self.audio_speaker.set_volume",
        description:
          "Set the volume of the audio speaker. If the current volume is unknown, you must call `self.get_device_status` tool first and then call this tool.",
        properties: { volume: { type: "integer", minimum: 0, maximum: 100 } },
        run: ({ volume }) => {
          this.volume = volume as number;
          return true;
        },
      },
      {
        name: "self.screen.set_brightness",
        description: "Set the brightness of the screen.",
        properties: { brightness: { type: "integer", minimum: 0, maximum: 100 } },
        run: ({ brightness }) => {
          this.brightness = brightness as number;
          return true;
        },
      },
      {
        name: "self.screen.set_theme",
        description: "Set the theme of the screen. The theme can be `light` or `dark`.",
        properties: { theme: { type: "string" } },
        run: ({ theme }) => {
          if (theme !== "light" && theme !== "dark") return false;
          this.theme = theme;
          return true;
        },
      },
      {
        name: "self.camera.take_photo",
        description: "Take a photo and explain it. Use this tool after the user asks you to see something.",
        properties: { question: { type: "string" } },
        run: ({ question }) => this.#explainPhoto(question as string),
      },
      {
        name: "self.reboot",
        description: "Reboot the system.",
        userOnly: true,
        run: () => true,
      },
    ];
  }

  /** Capture + upload: the simulated vision endpoint answers only a valid token for this device. */
  async #explainPhoto(question: string): Promise<string> {
    if (!this.vision || this.vision.url === "") throw new Error("Image explain URL or token is not set");
    const claims = this.#visionSecret && (await verifyHs256(this.vision.token, this.#visionSecret));
    if (!claims || claims.device_id !== this.#deviceId || typeof claims.exp !== "number" || claims.exp * 1000 < Date.now()) {
      throw new Error("Failed to upload photo");
    }
    return JSON.stringify({ success: true, result: `照片里有一只猫（问题：${question}）` });
  }
}

/** A board tool with a long description, to fill tools/list pages. */
export function paddedTool(n: number, descriptionBytes = 700): SimTool {
  return {
    name: `self.board.gadget_${String(n).padStart(2, "0")}`,
    description: `Gadget ${n}. ${"x".repeat(descriptionBytes)}`,
    properties: { level: { type: "integer", default: 1, minimum: 0, maximum: 9 } },
    run: ({ level }) => `gadget ${n} at ${level}`,
  };
}

function toolToJson(tool: SimTool): Payload {
  const properties: Payload = {};
  const required: string[] = [];
  for (const [name, property] of Object.entries(tool.properties ?? {})) {
    properties[name] = property;
    if (property.default === undefined) required.push(name);
  }
  const inputSchema: Payload = { type: "object", properties };
  if (required.length > 0) inputSchema.required = required;
  const json: Payload = { name: tool.name, description: tool.description, inputSchema };
  if (tool.userOnly) json.annotations = { audience: ["user"] };
  return { ...json, ...tool.declared };
}

function toText(value: ReturnValue): string {
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return String(Math.trunc(value));
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

function byteLength(text: string): number {
  return new TextEncoder().encode(text).byteLength;
}

function isObject(value: unknown): value is Payload {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
