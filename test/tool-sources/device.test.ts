/**
 * @module test/tool-sources/device.test
 * The ToolSource contract against the device source: a {@link DevicePeer} over in-memory storage and a relay
 * straight to the firmware-faithful simulated device.
 */
import { Logger } from "../../src/observability/log";
import { DevicePeer } from "../../src/tools/device/peer";
import { DeviceToolSource } from "../../src/tools/device/source";
import { DeviceSimulator, type SimTool } from "../device-simulator";
import { pollUntil } from "../poll";
import { CONTRACT_SESSION, type BuiltSource, runToolSourceContract } from "./contract";
import { MemoryDeviceStore, SimulatorLink } from "./device-doubles";

const RELAY = 1;

/** A board tool that never answers, for the timeout and cancellation cases. */
const neverAnswers: SimTool = { name: "self.contract.wait", description: "Never answers.", run: () => new Promise(() => {}) };

/** The one place the device source is constructed: on a peer whose relay is open (and listed) or not. */
async function newDeviceSource(relay: "open" | "closed" = "open"): Promise<BuiltSource> {
  const device = new DeviceSimulator({ boardTools: [neverAnswers] });
  const link = new SimulatorLink(device);
  const peer = new DevicePeer(CONTRACT_SESSION.sessionId, new MemoryDeviceStore(), link, new Logger("info"));
  const source = new DeviceToolSource(peer);
  if (relay === "closed") return { source };
  link.open(peer, RELAY);
  await peer.relayOpened(RELAY, { deviceId: CONTRACT_SESSION.deviceId, visionUrl: null, secret: null });
  await pollUntil(
    () => peer.listing().status,
    (status) => status === "ok",
    "the device's tools to be listed",
  );
  return { source, close: async () => peer.relayClosed(RELAY, "the test is over") };
}

runToolSourceContract("device", {
  build: newDeviceSource,
  call: {
    tool: "self_audio_speaker_set_volume",
    args: { volume: 30 },
    answers: { success: true, action: "req_llm", result: "true" },
  },
  unknownTool: {
    name: "self_no_such_tool",
    description: "not one of the device's tools",
    input_schema: { type: "object" },
    source: "device",
    original_name: "self.no_such_tool",
  },
  slowCall: { tool: "self_contract_wait", args: {}, timeoutCode: "device_timeout" },
  buildUnreachable: () => newDeviceSource("closed"),
});
