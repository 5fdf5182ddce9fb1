/**
 * @module tools/device/source
 * The device's own tools as a {@link ToolSource}, listed under sanitised names (`self_audio_speaker_set_volume`)
 * with what the device declared of each (title, annotations, output schema, icons, `_meta`, as external tools
 * keep theirs), and called through the {@link DevicePeer}. While the relay is closed or the list is not complete, the listing
 * says so (`unavailable` / `incomplete`) instead of offering an empty list; a tool of the last complete list can
 * still be asked for by name and answers `device_unavailable`.
 */
import { CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import { DeviceCallResult, type DeviceTool } from "../../contract/device-frames";
import type { ExecutionResult } from "../../contract/execution";
import type { SourceListing, ToolDescriptor } from "../../contract/tools";
import { declaredFields } from "../declared";
import { executionError } from "../result";
import type { CallOptions, ToolSource } from "../types";
import { deviceCallResult, deviceErrorResult } from "./result";
import { deviceToolName } from "./naming";
import type { DevicePeer } from "./peer";

/** How long a device call waits without a caller's `timeout_ms` (xiaozhi-server-go's 30 s). */
const DEFAULT_DEVICE_CALL_TIMEOUT_MS = 30_000;

export class DeviceToolSource implements ToolSource {
  readonly kind = "device" as const;

  constructor(private readonly peer: DevicePeer) {}

  async listTools(): Promise<SourceListing[]> {
    const listing = this.peer.listing();
    const report: SourceListing = {
      source: "device",
      kind: "device",
      status: listing.status,
      tools: listing.tools.map(toDescriptor),
    };
    if (listing.status !== "ok") report.error = listing.error;
    return [report];
  }

  /** A tool of the last complete list, asked for while it is not listed: its call will say why. */
  resolveAlias(name: string): ToolDescriptor | undefined {
    const tool = this.peer.knownTools().find((t) => deviceToolName(t.name) === name);
    return tool && toDescriptor(tool);
  }

  async callTool(tool: ToolDescriptor, args: Record<string, unknown>, options: CallOptions): Promise<ExecutionResult> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_DEVICE_CALL_TIMEOUT_MS;
    const outcome = await this.peer.call(tool.original_name, args, {
      timeoutMs,
      signal: options.signal,
    });
    switch (outcome.kind) {
      case "reply": {
        if (outcome.message.kind === "error") return deviceErrorResult(outcome.message.error);
        const result = DeviceCallResult.safeParse(outcome.message.result);
        if (!result.success) return executionError("tool_error", `${tool.original_name} answered with a malformed result`);
        const asMcp = CallToolResultSchema.safeParse(outcome.message.result);
        if (asMcp.success) options.onMcpResult?.(asMcp.data);
        return deviceCallResult(tool.original_name, result.data);
      }
      case "timeout":
        return executionError("device_timeout", `the device did not answer ${tool.original_name} within ${outcome.afterMs} ms`);
      case "unavailable":
        return executionError("device_unavailable", outcome.reason);
      case "cancelled":
        return executionError("cancelled", outcome.reason);
      case "refused":
        return executionError("tool_error", outcome.reason);
    }
  }
}

function toDescriptor(tool: DeviceTool): ToolDescriptor {
  const schema = tool.inputSchema;
  return {
    name: deviceToolName(tool.name),
    description: tool.description,
    input_schema: { ...schema, type: "object", properties: schema.properties ?? {}, required: schema.required ?? [] },
    source: "device",
    original_name: tool.name,
    ...declaredFields(tool),
  };
}
