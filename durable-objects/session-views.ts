/**
 * @module durable-objects/session-views
 * A session and its device relay as the APIs show them (contract/session), built from what the object holds.
 * Moments are Dates: each API formats them at its edge.
 */
import type { DeviceView, SessionView } from "../src/contract/session";
import type { DeviceLinkState } from "../src/tools/device/store";
import type { BindingRow } from "./session-storage";

/** The session without its tools, which only `describe` waits for (never with its token). */
export function sessionView(binding: BindingRow, expiresAt: number, device: DeviceView): SessionView {
  return {
    session_id: binding.session_id,
    device_id: binding.device_id,
    client_id: binding.client_id,
    vision_url: binding.vision_url,
    has_token: binding.token !== null,
    bound_at: new Date(binding.bound_at),
    last_used_at: new Date(binding.last_used_at),
    expires_at: new Date(expiresAt),
    device,
    ...(binding.agent_id !== null && { agent_id: binding.agent_id }),
  };
}

/** The device relay: open or not, how its tools can be listed now, and the latest notification it sent. */
export function deviceView(state: DeviceLinkState, relayOpen: boolean, toolsStatus: DeviceView["tools_status"]): DeviceView {
  return {
    relay: relayOpen ? "open" : "closed",
    relay_opened_at: relayOpen && state.relayOpenedAt !== null ? new Date(state.relayOpenedAt) : null,
    tools_status: toolsStatus,
    last_notification: state.lastNotification && {
      method: state.lastNotification.method,
      params: state.lastNotification.params,
      received_at: new Date(state.lastNotification.received_at),
    },
  };
}
