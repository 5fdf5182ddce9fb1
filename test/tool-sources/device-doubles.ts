/**
 * @module test/tool-sources/device-doubles
 * In-memory stand-ins for the two ports a {@link DevicePeer} works through (the session object's storage and
 * its relay socket), wired to a {@link DeviceSimulator} on the other side, for unit tests of the device source.
 */
import { parseFrameText } from "../../src/tools/device/frames";
import type { DeviceTool } from "../../src/contract/device-frames";
import {
  type DeviceLink,
  type DeviceLinkState,
  type DeviceNotification,
  type DeviceStore,
  type DeviceToolList,
  INITIAL_LINK_STATE,
} from "../../src/tools/device/store";
import type { DevicePeer } from "../../src/tools/device/peer";
import type { DeviceSimulator } from "../device-simulator";

const MAX_RPC_ID = 2_147_483_647;

/** {@link DeviceStore} in memory: what the session object keeps in SQLite. */
export class MemoryDeviceStore implements DeviceStore {
  #nextId = 1;
  #state: DeviceLinkState = { ...INITIAL_LINK_STATE };
  #toolList: DeviceToolList | null = null;
  #staged: DeviceTool[] = [];

  allocateId(): number {
    const id = this.#nextId;
    this.#nextId = id >= MAX_RPC_ID ? 1 : id + 1;
    return id;
  }

  state(): DeviceLinkState {
    return this.#state;
  }

  saveState(state: DeviceLinkState): void {
    this.#state = state;
  }

  saveNotification(notification: DeviceNotification): void {
    this.#state = { ...this.#state, lastNotification: notification };
  }

  toolList(): DeviceToolList | null {
    return this.#toolList;
  }

  saveToolList(list: DeviceToolList): void {
    this.#toolList = list;
  }

  stagedTools(): DeviceTool[] {
    return [...this.#staged];
  }

  saveStagedTools(tools: DeviceTool[]): void {
    this.#staged = [...tools];
  }
}

/**
 * {@link DeviceLink} as one relay straight to a simulated device: frames the peer sends reach the device, and
 * the device's frames are parsed and handed to the peer, as the session object does with the relay's.
 */
export class SimulatorLink implements DeviceLink {
  /** The generation of the open relay; null while none is open. */
  #open: number | null = null;

  constructor(private readonly device: DeviceSimulator) {}

  /** Connects the device's frames to `peer` and opens relay generation `relay`. */
  open(peer: DevicePeer, relay: number): void {
    this.device.connect((frame) => {
      const parsed = parseFrameText(frame);
      if (parsed.ok) peer.receive(parsed.message);
    });
    this.#open = relay;
  }

  isOpen(relay: number): boolean {
    return this.#open === relay;
  }

  send(relay: number, frame: string): boolean {
    if (!this.isOpen(relay)) return false;
    void this.device.receive(frame);
    return true;
  }
}
