/**
 * @module api/rpc/json
 * JSON values in and out of the RPC messages, exactly as the REST API's JSON encoding sees them.
 */
import type { JsonObject, JsonValue } from "@bufbuild/protobuf";

/** `value` as JSON: what `JSON.stringify` keeps of it (undefined members dropped), `null` for nothing. */
export function jsonValue(value: unknown): JsonValue {
  const text = JSON.stringify(value);
  return text === undefined ? null : (JSON.parse(text) as JsonValue);
}

/** A JSON object's members as strings: string values as they are, every other value as JSON text. */
export function toStringMap(object: Record<string, unknown>): Record<string, string> {
  const map: Record<string, string> = {};
  for (const [key, value] of Object.entries(jsonValue(object) as JsonObject)) {
    map[key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return map;
}

/** A value as text: a string as it is, null as "", anything else as JSON text. */
export function toText(value: JsonValue): string {
  if (value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}
