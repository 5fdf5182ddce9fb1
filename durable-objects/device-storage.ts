/**
 * @module durable-objects/device-storage
 * The device peer's {@link DeviceStore} over the session's SQLite: the `device_link` row (DDL in
 * `session-schema.ts`). JSON columns are parsed with their zod schemas on every read, except the tool list,
 * which every listing and call reads: it is parsed again only when its text changed (SQLite stays the source of
 * truth), and handed out frozen so no caller can change the shared copy.
 *
 * The row is created by the first write, which only a bound session makes (a relay opening, a device frame);
 * reads of a session without it (or without the tables: never bound) answer the defaults.
 *
 * What every relay frame reads is kept in memory: {@link SqlDeviceStore.relay}, the current relay's generation,
 * is read from SQLite once and then follows {@link SqlDeviceStore.saveState} (its only writer). The latest
 * notification is written behind: at once when none was written in the last {@link NOTIFICATION_WRITE_INTERVAL_MS},
 * otherwise by one timer at the end of that interval (the newest one then); reads see it meanwhile. A flood of
 * notifications costs one write per interval, and the object stopping abruptly loses at most that interval's
 * newest notification. {@link SqlDeviceStore.forget} drops it with the rest when the session's storage is deleted.
 */
import { z } from "zod";
import { DeviceTool } from "../src/contract/device-frames";
import {
  type DeviceLinkState,
  DeviceNotification,
  type DeviceStore,
  DeviceToolList,
  Handshake,
  INITIAL_LINK_STATE,
} from "../src/tools/device/store";
import { parseJson } from "../src/util/json";
import type { SessionSchema } from "./session-schema";
import type { Sql } from "./sql";

/** How often, at most, the latest notification is written to storage. */
export const NOTIFICATION_WRITE_INTERVAL_MS = 1_000;

/** The largest id the firmware reads back intact (it uses cJSON's `valueint`). */
const MAX_RPC_ID = 2_147_483_647;

/** The `device_link` row as stored (its JSON columns as text, parsed by the reads that need them). */
const DeviceLinkRow = z.object({
  next_rpc_id: z.number(),
  relay: z.number(),
  relay_opened_at: z.number().nullable(),
  handshake: z.string().nullable(),
  list_error: z.string().nullable(),
  refresh_at: z.number().nullable(),
  last_notification: z.string().nullable(),
  tool_list: z.string().nullable(),
  staged_tools: z.string(),
});
type DeviceLinkRow = z.infer<typeof DeviceLinkRow>;

export class SqlDeviceStore implements DeviceStore {
  /** The last parse of the tool list, by the text it was parsed from. */
  #toolList: { text: string; value: DeviceToolList | null } | undefined;
  /** The current relay's generation, once read. */
  #relay: number | undefined;
  /** The latest notification while its write is pending, when it was last written, and the timer that will. */
  #pendingNotification: DeviceNotification | undefined;
  #notificationWrittenAt = 0;
  #notificationTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly schema: SessionSchema,
  ) {}

  allocateId(): number {
    const id = this.#row()?.next_rpc_id ?? 1;
    this.#ensureRow();
    this.sql.run("UPDATE device_link SET next_rpc_id = ? WHERE id = 1", id >= MAX_RPC_ID ? 1 : id + 1);
    return id;
  }

  state(): DeviceLinkState {
    const state = this.#readState();
    return this.#pendingNotification ? { ...state, lastNotification: this.#pendingNotification } : state;
  }

  /** The generation of the current relay (0 before the first): what every relay frame is checked against. */
  relay(): number {
    this.#relay ??= this.#readState().relay;
    return this.#relay;
  }

  saveState(state: DeviceLinkState): void {
    this.#ensureRow();
    this.sql.run(
      `UPDATE device_link SET relay = ?, relay_opened_at = ?, handshake = ?, list_error = ?, refresh_at = ?, last_notification = ?
       WHERE id = 1`,
      state.relay,
      state.relayOpenedAt,
      state.handshake === null ? null : JSON.stringify(state.handshake),
      state.listError,
      state.refreshAt,
      state.lastNotification === null ? null : JSON.stringify(state.lastNotification),
    );
    this.#relay = state.relay;
  }

  saveNotification(notification: DeviceNotification): void {
    this.#pendingNotification = notification;
    if (this.#notificationTimer !== undefined) return;
    const wait = this.#notificationWrittenAt + NOTIFICATION_WRITE_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.#writeNotification();
      return;
    }
    this.#notificationTimer = setTimeout(() => {
      this.#notificationTimer = undefined;
      this.#writeNotification();
    }, wait);
  }

  /** The session's storage was deleted: the relay is read again, and a notification still to be written is dropped. */
  forget(): void {
    clearTimeout(this.#notificationTimer);
    this.#notificationTimer = undefined;
    this.#pendingNotification = undefined;
    this.#relay = undefined;
  }

  #writeNotification(): void {
    const notification = this.#pendingNotification;
    if (notification === undefined) return;
    this.#pendingNotification = undefined;
    this.#notificationWrittenAt = Date.now();
    this.#ensureRow();
    this.sql.run("UPDATE device_link SET last_notification = ? WHERE id = 1", JSON.stringify(notification));
  }

  #readState(): DeviceLinkState {
    const row = this.#row();
    if (!row) return { ...INITIAL_LINK_STATE };
    return {
      relay: row.relay,
      relayOpenedAt: row.relay_opened_at,
      handshake: parseColumn(row.handshake, Handshake),
      listError: row.list_error,
      refreshAt: row.refresh_at,
      lastNotification: parseColumn(row.last_notification, DeviceNotification),
    };
  }

  toolList(): DeviceToolList | null {
    const text = this.#row()?.tool_list ?? null;
    if (text === null) return null;
    if (this.#toolList?.text !== text) this.#toolList = { text, value: deepFreeze(parseColumn(text, DeviceToolList)) };
    return this.#toolList.value;
  }

  saveToolList(list: DeviceToolList): void {
    this.#ensureRow();
    this.sql.run("UPDATE device_link SET tool_list = ? WHERE id = 1", JSON.stringify(list));
  }

  stagedTools(): DeviceTool[] {
    return parseColumn(this.#row()?.staged_tools ?? null, StagedTools) ?? [];
  }

  saveStagedTools(tools: DeviceTool[]): void {
    this.#ensureRow();
    this.sql.run("UPDATE device_link SET staged_tools = ? WHERE id = 1", JSON.stringify(tools));
  }

  #row(): DeviceLinkRow | null {
    if (!this.schema.exists()) return null;
    return this.sql.first(
      DeviceLinkRow,
      `SELECT next_rpc_id, relay, relay_opened_at, handshake, list_error, refresh_at, last_notification, tool_list, staged_tools
       FROM device_link WHERE id = 1`,
    );
  }

  #ensureRow(): void {
    this.sql.run("INSERT OR IGNORE INTO device_link (id) VALUES (1)");
  }
}

const StagedTools = z.array(DeviceTool);

/** A JSON column read back through its schema; a value that no longer parses counts as absent. */
function parseColumn<T>(text: string | null, schema: z.ZodType<T>): T | null {
  if (text === null) return null;
  const json = parseJson(text);
  const parsed = json.ok ? schema.safeParse(json.value) : undefined;
  return parsed?.success ? parsed.data : null;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
