/**
 * @module tools/coerce
 * Arguments brought to the types a tool's input schema declares, before any source sees them. LLMs often send
 * numbers and booleans as strings, the original design's gRPC `map<string,string>` carries every value as a
 * string, and the device firmware counts an argument only when its JSON type matches (`"50"` for an integer is
 * treated as missing). Values that cannot be converted are left unchanged, for the schema check that follows
 * (tools/validate-args, or a local tool's own) to name them in an `invalid_arguments` result.
 */
import { parseJson } from "../util/json";
import type { JsonSchemaObject } from "../contract/tools";

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** `args` with each value of a declared `integer`, `number`, `boolean` or `string` property converted when it can be. */
export function coerceArguments(schema: JsonSchemaObject, args: Record<string, unknown>): Record<string, unknown> {
  const properties = schema.properties ?? {};
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) {
    const property = properties[name];
    const type = typeof property === "object" && property !== null ? (property as { type?: unknown }).type : undefined;
    out[name] = typeof type === "string" ? coerce(type, value) : value;
  }
  return out;
}

function coerce(type: string, value: unknown): unknown {
  switch (type) {
    case "integer": {
      const n = toNumber(value);
      // The firmware reads integers with `valueint`; a fraction would be cut off there, so round here.
      return n === undefined ? value : Math.round(n);
    }
    case "number":
      return toNumber(value) ?? value;
    case "boolean":
      return toBoolean(value) ?? value;
    case "string":
      return typeof value === "number" || typeof value === "boolean" ? String(value) : value;
    case "object":
    case "array":
      return typeof value === "string" ? (parseJsonOf(type, value) ?? value) : value;
    default:
      return value;
  }
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value === "string" && NUMERIC.test(value.trim())) return Number(value.trim());
  return undefined;
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value === "string") {
    const text = value.trim().toLowerCase();
    if (text === "true" || text === "1") return true;
    if (text === "false" || text === "0") return false;
  }
  return undefined;
}

function parseJsonOf(type: "object" | "array", text: string): unknown {
  const parsed = parseJson(text);
  if (!parsed.ok) return undefined;
  const { value } = parsed;
  return typeof value === "object" && value !== null && Array.isArray(value) === (type === "array") ? value : undefined;
}
