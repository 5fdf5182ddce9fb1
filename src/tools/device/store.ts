/**
 * @module tools/device/store
 * What the device peer keeps across hibernation and eviction, and the two ports it works through:
 * {@link DeviceStore} (the session's storage) and {@link DeviceLink} (the relay socket). Both are
 * implemented by the session's Durable Object; the peer knows neither SQLite nor WebSockets.
 */
import { z } from "zod";
import { DeviceTool } from "../../contract/device-frames";

/** The request of the handshake the peer is waiting on: `initialize`, then one `tools/list` per page. */
export const HandshakeStep = { initialize: "initialize", list: "tools/list" } as const;
export type HandshakeStep = (typeof HandshakeStep)[keyof typeof HandshakeStep];

export const Handshake = z.object({
  step: z.enum([HandshakeStep.initialize, HandshakeStep.list]),
  /** The id of the request waiting for its reply. */
  rpcId: z.number().int(),
  /** When that request went out (ms since epoch). */
  startedAt: z.number(),
  /** `tools/list` pages requested so far. */
  pages: z.number().int(),
});
export type Handshake = z.infer<typeof Handshake>;

/** The latest notification the device sent (`notifications/state_changed`, …). */
export const DeviceNotification = z.object({
  method: z.string(),
  params: z.record(z.string(), z.unknown()).nullable(),
  received_at: z.number(),
});
export type DeviceNotification = z.infer<typeof DeviceNotification>;

export interface DeviceLinkState {
  /** The generation of the current relay: each relay opened gets the next; 0 before the first. */
  relay: number;
  relayOpenedAt: number | null;
  /** The handshake in progress on the current relay, if any. */
  handshake: Handshake | null;
  /** Why the current relay's handshake failed, until the next one starts. */
  listError: string | null;
  /** When to re-initialise so the device's vision token never expires (ms since epoch); null without a token. */
  refreshAt: number | null;
  lastNotification: DeviceNotification | null;
}

/** The link of a session no relay has opened yet. */
export const INITIAL_LINK_STATE: Readonly<DeviceLinkState> = {
  relay: 0,
  relayOpenedAt: null,
  handshake: null,
  listError: null,
  refreshAt: null,
  lastNotification: null,
};

/** The device's tools as of the last complete listing, and the relay that listing was made on. */
export const DeviceToolList = z.object({
  relay: z.number().int(),
  tools: z.array(DeviceTool),
  completedAt: z.number(),
});
export type DeviceToolList = z.infer<typeof DeviceToolList>;

export interface DeviceStore {
  /** Reserves the next JSON-RPC id: never reused within the session, even after a wake-up, and within int32. */
  allocateId(): number;
  state(): DeviceLinkState;
  saveState(state: DeviceLinkState): void;
  /**
   * Records the latest notification: the state shows it at once; storage may take it later (a flood of
   * notifications must not mean a write each).
   */
  saveNotification(notification: DeviceNotification): void;
  /** The last complete list; null before the first. */
  toolList(): DeviceToolList | null;
  saveToolList(list: DeviceToolList): void;
  /** The pages received so far by the handshake in progress. */
  stagedTools(): DeviceTool[];
  saveStagedTools(tools: DeviceTool[]): void;
}

/** The relay socket(s) of the session, by generation. */
export interface DeviceLink {
  /** True while the relay of this generation is open. */
  isOpen(relay: number): boolean;
  /** Sends a text frame on the relay of this generation; false when it is not open. */
  send(relay: number, frame: string): boolean;
}
