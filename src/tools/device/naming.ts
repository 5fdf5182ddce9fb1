/**
 * @module tools/device/naming
 * The names device tools are listed under. xiaozhi-server-go turns `.` into `_`
 * (`self.audio_speaker.set_volume` → `self_audio_speaker_set_volume`); every other character an LLM
 * function name may not hold becomes `_` too, and the name is cut to the function-name limit. The device's
 * own name stays on the descriptor (`original_name`) and is what the device is called with.
 */
import { MAX_TOOL_NAME_LENGTH, toFunctionName } from "../naming";

/** The LLM-facing name of the device tool `original`. */
export function deviceToolName(original: string): string {
  return toFunctionName(original).slice(0, MAX_TOOL_NAME_LENGTH);
}
