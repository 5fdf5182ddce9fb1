/**
 * @module test/argument-validation.test
 * Arguments a tool's schema refuses are answered `invalid_arguments` naming each field, whatever the source,
 * and the source is never called: the upstream host counts the calls it receives, the simulated device records
 * its requests. (Local tools' own checks are in local-tools.test.ts.)
 */
import { describe, expect, it } from "vitest";
import { fieldDetails, restBind, restExecute } from "./api";
import { openRelay, untilDeviceReady } from "./device-gateway";
import { DeviceSimulator } from "./device-simulator";
import { upstream } from "./upstreams/control";

const SECRET = "gateway-server-secret";
const stable = upstream("stable");

const toolCalls = async () => (await stable.stats()).methods["tools/call"] ?? 0;

describe("an external tool", () => {
  it("refuses a missing or mistyped argument without calling the server", async () => {
    await restBind("args-external");
    // Listed (and connected) first, so only the calls below could reach the server.
    expect((await restExecute("args-external", "mcp_everything_echo", { message: "hi" })).body.success).toBe(true);
    const before = await toolCalls();

    const missing = await restExecute("args-external", "mcp_everything_echo", {});
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ success: false, action: "error", result: null, error: { code: "invalid_arguments" } });
    expect(missing.body.error?.message).toBe(
      "invalid arguments for mcp_everything_echo: arguments.message: required but missing",
    );
    expect(fieldDetails(missing.body)).toEqual([
      { field: "arguments.message", rule: "required", message: "required but missing" },
    ]);

    const mistyped = await restExecute("args-external", "mcp_everything_sse_get-sum", { a: "two", b: [] });
    expect(mistyped.body.error?.code).toBe("invalid_arguments");
    expect(fieldDetails(mistyped.body).map((d) => `${d.field} ${d.rule}`)).toEqual(["arguments.a type", "arguments.b type"]);

    expect(await toolCalls()).toBe(before);
    // Coercion still comes first: numbers as text fit the schema once converted.
    const converted = await restExecute("args-external", "mcp_everything_sse_get-sum", { a: "2", b: "40" });
    expect(converted.body).toMatchObject({ success: true, result: expect.stringContaining("42") as string });
    expect(await toolCalls()).toBe(before + 1);
    // The first listing connects to every configured server: slow on a busy machine.
  }, 15_000);
});

describe("a device tool", () => {
  it("refuses a missing, mistyped or out-of-range volume without sending it to the device", async () => {
    await restBind("args-device", { vision_url: "https://gw.example.com/api/vision", token: SECRET });
    const device = new DeviceSimulator({ visionSecret: SECRET });
    await openRelay("args-device", device);
    await untilDeviceReady("args-device");

    const answers = await Promise.all(
      [{}, { volume: "loud" }, { volume: 150 }, { volume: -1 }].map((args) =>
        restExecute("args-device", "self_audio_speaker_set_volume", args),
      ),
    );
    expect(answers.map((a) => a.body.error?.code)).toEqual(Array(4).fill("invalid_arguments"));
    expect(answers.map((a) => fieldDetails(a.body).map((d) => `${d.field} ${d.rule}`))).toEqual([
      ["arguments.volume required"],
      ["arguments.volume type"],
      ["arguments.volume maximum"],
      ["arguments.volume minimum"],
    ]);
    expect(device.requests("tools/call")).toEqual([]);
    expect(device.volume).toBe(50);

    expect((await restExecute("args-device", "self_audio_speaker_set_volume", { volume: "70" })).body.success).toBe(true);
    expect(device.requests("tools/call")).toHaveLength(1);
    expect(device.volume).toBe(70);
  });
});
