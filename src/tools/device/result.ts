/**
 * @module tools/device/result
 * The device's answers to `tools/call` as ExecutionResults, the way xiaozhi-server-go converts them.
 */
import type { DeviceCallResult, DeviceRpcError } from "../../contract/device-frames";
import type { ExecutionResult } from "../../contract/execution";
import { MAX_QUOTED_DEVICE_TEXT_CHARS } from "../../contract/limits";
import { clip } from "../../util/text";
import { callHandler, executionError, reqLlm } from "../result";

/** The device tool whose text goes to the gateway's photo handler instead of the LLM (as xiaozhi-server-go does). */
const TAKE_PHOTO_TOOL = "self.camera.take_photo";

/**
 * The device's answer to a `tools/call`: the text (firmware sends the tool's return value as one text item) goes
 * to the LLM; `self.camera.take_photo`'s text (the vision endpoint's answer) goes to `mcp_handler_take_photo`.
 * `isError` or an answer without text is a failure.
 */
export function deviceCallResult(originalName: string, result: DeviceCallResult): ExecutionResult {
  const texts = result.content.flatMap((item) => (item.type === "text" && item.text !== undefined ? [item.text] : []));
  const text = texts.join("\n");
  if (result.isError === true) return executionError("tool_error", text || `${originalName} failed on the device`);
  if (texts.length === 0) {
    return executionError("tool_error", `${originalName} answered without text content`, { content: result.content });
  }
  if (originalName.includes(TAKE_PHOTO_TOOL)) return callHandler("mcp_handler_take_photo", text);
  return reqLlm(text);
}

/** The device's JSON-RPC error for a `tools/call`: its message (clipped to {@link MAX_QUOTED_DEVICE_TEXT_CHARS}), its `code` in the details when it sent one. */
export function deviceErrorResult(error: DeviceRpcError): ExecutionResult {
  return executionError(
    "tool_error",
    clip(error.message, MAX_QUOTED_DEVICE_TEXT_CHARS),
    error.code === undefined ? undefined : { device_code: error.code },
  );
}
