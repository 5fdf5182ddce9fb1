/**
 * @module test/tool-sources/local.test
 * The ToolSource contract against the local tools, built from the checked-in config. They run in-process and
 * answer at once: the contract's timeout and cancellation cases do not apply, nor does being unreachable.
 */
import serviceConfig from "../../config/service.config.json";
import { loadConfig } from "../../src/config/load";
import { LocalToolSource } from "../../src/tools/local/source";
import { type BuiltSource, runToolSourceContract } from "./contract";

/** The one place the local source is constructed. */
async function newLocalSource(): Promise<BuiltSource> {
  const loaded = loadConfig({}, serviceConfig);
  if (!loaded.ok) throw new Error(loaded.message);
  return { source: new LocalToolSource(loaded.config) };
}

runToolSourceContract("local", {
  build: newLocalSource,
  call: {
    tool: "local_play_music",
    args: { song_name: "稻香" },
    answers: { success: true, action: "call_handler", result: { func_name: "mcp_handler_play_music", args: "稻香" } },
  },
  unknownTool: {
    name: "local_fly",
    description: "not a local tool",
    input_schema: { type: "object" },
    source: "local",
    original_name: "fly",
  },
});
