/**
 * The demo's "LLM": a scripted turn. Given what the user said and the tools the gateway lists, it picks a tool
 * and its arguments by simple rules (as a real model would by reading the tools' descriptions), and phrases the
 * reply once the tool's text comes back (req_llm).
 */
import type { Tool } from "../clients/ts/src/index.ts";

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
}

interface Rule {
  /** What in the user's words picks this tool. */
  match: RegExp;
  tool: string;
  args(match: RegExpMatchArray): Record<string, unknown>;
}

const RULES: Rule[] = [
  { match: /播放(.+)/, tool: "local_play_music", args: (m) => ({ song_name: m[1].trim() }) },
  // The volume as the LLM often sends it: a string (the service converts it to the schema's integer).
  { match: /音量.*?(\d+)/, tool: "self_audio_speaker_set_volume", args: (m) => ({ volume: m[1] }) },
  { match: /回声[:：]\s*(.+)/, tool: "mcp_echo", args: (m) => ({ message: m[1].trim() }) },
  { match: /几点/, tool: "local_get_time", args: () => ({}) },
];

export class ScriptedLlm {
  /** The tool call for the user's words, among the tools offered; undefined when none fits. */
  pickTool(userText: string, tools: Tool[]): ToolCall | undefined {
    const offered = new Set(tools.map((t) => t.name));
    for (const rule of RULES) {
      const match = userText.match(rule.match);
      if (match && offered.has(rule.tool)) return { name: rule.tool, arguments: rule.args(match) };
    }
    return undefined;
  }

  /** The reply after a tool answered with text for the LLM (req_llm). */
  reply(call: ToolCall, toolText: string): string {
    switch (call.name) {
      case "self_audio_speaker_set_volume":
        return toolText === "true" ? `好的，音量已经调到${String(call.arguments.volume)}。` : `音量没有调成功：${toolText}`;
      case "mcp_echo":
        return `服务器回答：${toolText}`;
      default:
        return toolText;
    }
  }
}
