/**
 * @module tools/local/definitions
 * The local tools of xiaozhi-server-go, rebuilt: each validates its arguments with a zod schema (which also
 * gives the LLM its input schema) and answers with the action the gateway carries out.
 */
import { z } from "zod";
import type { LocalToolKey, ServiceConfig } from "../../config/schema";
import { callHandler, reqLlm } from "../result";
import type { ExecutionResult } from "../../contract/execution";

/** Everything a local tool may read when it runs. */
export interface LocalToolContext {
  config: ServiceConfig;
  now: Date;
}

/** One local tool. `schema` is built from the config, so enums can follow the configured roles and voices. */
export interface LocalTool {
  key: LocalToolKey;
  /** False when the config gives the tool nothing to work with (no roles, no voices). */
  available(config: ServiceConfig): boolean;
  description(config: ServiceConfig): string;
  schema(config: ServiceConfig): z.ZodObject;
  run(args: Record<string, unknown>, ctx: LocalToolContext): ExecutionResult;
}

/** Non-empty string enum from configured names; the config guarantees at least one when the tool is available. */
function namesEnum(names: string[], what: string): z.ZodType<string> {
  const [first, ...rest] = names;
  return first === undefined ? z.string() : z.enum([first, ...rest]).describe(what);
}

const getTime: LocalTool = {
  key: "get_time",
  available: () => true,
  description: () => "查询当前的日期、时间或星期几时调用。",
  schema: () => z.object({}),
  run: (_args, { config, now }) => reqLlm(describeTime(now, config.timezone)),
};

const exit: LocalTool = {
  key: "exit",
  available: () => true,
  description: () => "用户想结束对话、说再见或要求退出时调用。",
  schema: () => z.object({ say_goodbye: z.string().min(1).describe("对用户说的告别语") }),
  run: (args) => callHandler("mcp_handler_exit", args.say_goodbye),
};

const playMusic: LocalTool = {
  key: "play_music",
  available: () => true,
  description: () => "用户想听歌、播放音乐或让你唱歌时调用。没有指定歌曲时 song_name 传 random。",
  schema: () => z.object({ song_name: z.string().min(1).describe("歌曲名，例如 稻香；未指定时为 random") }),
  run: (args) => callHandler("mcp_handler_play_music", args.song_name),
};

const changeVoice: LocalTool = {
  key: "change_voice",
  available: (config) => config.voices.length > 0,
  description: (config) =>
    `用户想更换说话的声音或音色时调用。可选音色：${config.voices
      .map(
        (v) => `${v.name}(${[v.display_name, v.gender].filter(Boolean).join("-")})${v.description ? `：${v.description}` : ""}`,
      )
      .join("；")}`,
  schema: (config) =>
    z.object({
      voice: namesEnum(
        config.voices.map((v) => v.name),
        "音色名称，取可选音色括号前的部分",
      ),
    }),
  run: (args) => callHandler("mcp_handler_change_voice", args.voice),
};

const changeRole: LocalTool = {
  key: "change_role",
  available: (config) => config.roles.length > 0,
  description: (config) => `用户想让你换一个角色、性格或名字时调用。可选角色：${config.roles.map((r) => r.name).join("、")}`,
  schema: (config) =>
    z.object({
      role: namesEnum(
        config.roles.map((r) => r.name),
        "新的角色名称",
      ),
    }),
  run: (args, { config }) => {
    const role = config.roles.find((r) => r.name === args.role);
    return callHandler("mcp_handler_change_role", { role: args.role, prompt: role?.prompt ?? "" });
  },
};

const switchAgent: LocalTool = {
  key: "switch_agent",
  available: () => true,
  description: () =>
    "只有当用户明确说“切换到某某智能体”或“把智能体切换成某某”时才调用，调用前先向用户确认。需要智能体 ID 或名称其一。",
  schema: () =>
    z.object({
      agent_id: z.number().int().optional().describe("智能体 ID"),
      agent_name: z.string().min(1).optional().describe("智能体名称"),
    }),
  run: (args) =>
    args.agent_id === undefined && args.agent_name === undefined
      ? reqLlm("切换智能体需要提供智能体ID或名称")
      : callHandler("mcp_handler_switch_agent", args),
};

/** All local tools, in the order they are listed. */
export const LOCAL_TOOLS: readonly LocalTool[] = [getTime, exit, playMusic, changeVoice, changeRole, switchAgent];

// Building a formatter is far slower than using one: one per zone, kept for the isolate's life.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "long",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** `当前时间是 2026-11-24 15点04分05秒，今天是Tuesday。` in the configured zone. */
export function describeTime(now: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(now)
      .map((p) => [p.type, p.value]),
  );
  return `当前时间是 ${parts.year}-${parts.month}-${parts.day} ${parts.hour}点${parts.minute}分${parts.second}秒，今天是${parts.weekday}。`;
}
