/**
 * @module test/local-tools.test
 * The local tools through the REST API: listing, each tool's result, argument validation, and the seed's
 * integration scenario.
 */
import { beforeAll, describe, expect, it } from "vitest";
import serviceConfig from "../config/service.config.json";
import { describeTime } from "../src/tools/local/definitions";
import { fieldDetails, handlerCall, indexBy, inputSchema, restBind, restExecute, restListTools } from "./api";

const SESSION = "local-tools";

beforeAll(async () => {
  await restBind(SESSION);
});

describe("listing", () => {
  it("lists the enabled local tools with their input schemas", async () => {
    const res = await restListTools(SESSION);
    expect(res.status).toBe(200);
    const local = res.body.tools.filter((t) => t.source === "local");
    const byName = indexBy(local, "name");
    expect(Object.keys(byName)).toEqual([
      "local_get_time",
      "local_exit",
      "local_play_music",
      "local_change_voice",
      "local_change_role",
      "local_switch_agent",
    ]);
    for (const tool of local) {
      expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
      expect(tool.input_schema.type).toBe("object");
      expect(tool.input_schema).not.toHaveProperty("$schema");
    }
    expect(inputSchema(byName.local_play_music).required).toEqual(["song_name"]);
    expect(inputSchema(byName.local_exit).required).toEqual(["say_goodbye"]);
    expect(inputSchema(byName.local_switch_agent).required).toEqual([]);
    expect(inputSchema(byName.local_switch_agent).properties.agent_id?.type).toBe("integer");
    // The change tools offer exactly the configured roles and voices.
    const roles = serviceConfig.roles.map((r) => r.name);
    const voices = serviceConfig.voices.map((v) => v.name);
    expect(inputSchema(byName.local_change_role).properties.role?.enum).toEqual(roles);
    expect(inputSchema(byName.local_change_voice).properties.voice?.enum).toEqual(voices);
    for (const role of roles) expect(byName.local_change_role?.description).toContain(role);
    for (const voice of voices) expect(byName.local_change_voice?.description).toContain(voice);
    expect(res.body.sources).toContainEqual({ source: "local", kind: "local", status: "ok", tool_count: 6 });
  });

  it("does not list the play_music compatibility alias", async () => {
    const res = await restListTools(SESSION);
    expect(res.body.tools.map((t) => t.name)).not.toContain("mcp_handler_play_music");
  });
});

describe("results", () => {
  it("local_get_time answers req_llm with the time in the configured zone", async () => {
    const before = new Date();
    const res = await restExecute(SESSION, "local_get_time");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, action: "req_llm", response: null });
    expect(res.body.result).toMatch(/^当前时间是 \d{4}-\d{2}-\d{2} \d{2}点\d{2}分\d{2}秒，今天是[A-Z][a-z]+day。$/);
    const candidates = [describeTime(before, "Asia/Shanghai"), describeTime(new Date(), "Asia/Shanghai")];
    expect(candidates).toContain(res.body.result);
  });

  it("local_exit asks the gateway to run mcp_handler_exit with the goodbye", async () => {
    const res = await restExecute(SESSION, "local_exit", { say_goodbye: "再见，下次聊！" });
    expect(res.body).toEqual({
      success: true,
      action: "call_handler",
      result: { func_name: "mcp_handler_exit", args: "再见，下次聊！" },
      response: null,
    });
  });

  it("local_play_music asks for mcp_handler_play_music with the song", async () => {
    const res = await restExecute(SESSION, "local_play_music", { song_name: "稻香" });
    expect(res.body.result).toEqual({ func_name: "mcp_handler_play_music", args: "稻香" });
  });

  it("local_change_voice passes the voice on", async () => {
    const res = await restExecute(SESSION, "local_change_voice", { voice: "zh-CN-YunxiNeural" });
    expect(res.body).toMatchObject({
      success: true,
      action: "call_handler",
      result: { func_name: "mcp_handler_change_voice", args: "zh-CN-YunxiNeural" },
    });
  });

  it("local_change_role carries the role's prompt from the config", async () => {
    const res = await restExecute(SESSION, "local_change_role", { role: "英语老师" });
    const prompt = serviceConfig.roles.find((r) => r.name === "英语老师")?.prompt;
    expect(res.body.result).toEqual({ func_name: "mcp_handler_change_role", args: { role: "英语老师", prompt } });
  });

  it("local_switch_agent passes the agent on, or asks for one", async () => {
    const byId = await restExecute(SESSION, "local_switch_agent", { agent_id: 7 });
    expect(byId.body).toMatchObject({
      success: true,
      action: "call_handler",
      result: { func_name: "mcp_handler_switch_agent", args: { agent_id: 7 } },
    });
    const byName = await restExecute(SESSION, "local_switch_agent", { agent_name: "客服" });
    expect(handlerCall(byName.body).args).toEqual({ agent_name: "客服" });

    const neither = await restExecute(SESSION, "local_switch_agent", {});
    expect(neither.body).toEqual({
      success: true,
      action: "req_llm",
      result: "切换智能体需要提供智能体ID或名称",
      response: null,
    });
  });
});

describe("argument validation", () => {
  it("a missing argument is an error result naming it", async () => {
    const res = await restExecute(SESSION, "local_exit", {});
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: false, action: "error", result: null });
    expect(res.body.error?.code).toBe("invalid_arguments");
    expect(res.body.error?.message).toContain("arguments.say_goodbye");
    expect(res.body.error?.details).toEqual([expect.objectContaining({ field: "arguments.say_goodbye", rule: "invalid_type" })]);
  });

  it("a wrong type is an error result naming the argument", async () => {
    const res = await restExecute(SESSION, "local_switch_agent", { agent_id: "seven" });
    expect(res.body.success).toBe(false);
    expect(fieldDetails(res.body)[0]).toMatchObject({ field: "arguments.agent_id", rule: "invalid_type" });
  });

  it("a role or voice that is not configured is an error result listing the valid ones", async () => {
    const role = await restExecute(SESSION, "local_change_role", { role: "海盗" });
    expect(role.body.success).toBe(false);
    expect(role.body.error?.message).toContain("英语老师");
    const voice = await restExecute(SESSION, "local_change_voice", { voice: "nobody" });
    expect(voice.body.success).toBe(false);
    expect(fieldDetails(voice.body)[0]?.field).toBe("arguments.voice");
  });

  it("arguments sent as strings are brought to the types the schema declares", async () => {
    const res = await restExecute(SESSION, "local_switch_agent", { agent_id: "12", agent_name: "客服" });
    expect(res.body.result).toEqual({ func_name: "mcp_handler_switch_agent", args: { agent_id: 12, agent_name: "客服" } });
  });

  it("extra arguments an LLM adds are ignored", async () => {
    const res = await restExecute(SESSION, "local_play_music", { song_name: "晴天", artist: "周杰伦" });
    expect(res.body.result).toEqual({ func_name: "mcp_handler_play_music", args: "晴天" });
  });
});

describe("the seed's integration scenario", () => {
  it("bind, list tools, execute mcp_handler_play_music with {song}", async () => {
    const bound = await restBind("test-session", { device_id: "test-device", client_id: "test-client" });
    expect(bound.success).toBe(true);

    const tools = await restListTools("test-session");
    expect(tools.body.tools.length).toBeGreaterThan(0);

    const res = await restExecute("test-session", "mcp_handler_play_music", { song: "test.mp3" });
    expect(res.body).toEqual({
      success: true,
      action: "call_handler",
      result: { func_name: "mcp_handler_play_music", args: "test.mp3" },
      response: null,
    });
  });
});
