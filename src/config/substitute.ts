/**
 * @module config/substitute
 * `${NAME}` and `${NAME:default}` in the MCP server entries, filled from the Worker's vars and secrets, so API
 * keys live in secrets and never in the checked-in file. The default is everything after the first `:`
 * (`${MAPS_URL:http://127.0.0.1:9000/mcp}` works). A variable that is not set and has no default (a deleted
 * secret) makes that one server invalid, with an error naming the field and the variable: the server is left
 * out and reported, and every other part of the configuration stands.
 *
 * Only entries that will be used are filled: a disabled entry or a stdio entry (reported as unsupported)
 * may name variables this Worker does not have without breaking the configuration.
 */
import type { FieldIssue } from "../validation";
import { fieldPath } from "../validation";
import { isStdioEntry } from "./mcp-servers";

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([^}]*))?\}/g;

/** Where the values come from: the Worker's env (vars and secrets). Non-text bindings cannot be substituted. */
export type VarSource = Readonly<Record<string, unknown>>;

export interface SubstitutionResult {
  /** The entries that could be filled (and those left as they are), by name. */
  servers: Record<string, unknown>;
  /** The entries that name a variable they cannot have, by name, with why. */
  invalid: Map<string, FieldIssue[]>;
  varsRead: string[];
}

/** Fills the placeholders of every enabled HTTP entry of `servers` (the raw `mcpServers` object). */
export function substituteServerVars(servers: Record<string, unknown>, vars: VarSource): SubstitutionResult {
  const invalid = new Map<string, FieldIssue[]>();
  const varsRead = new Set<string>();
  const out: Record<string, unknown> = {};
  for (const [name, entry] of Object.entries(servers)) {
    if (!isJsonObject(entry) || isStdioEntry(entry) || entry.enabled === false) {
      out[name] = entry;
      continue;
    }
    const issues: FieldIssue[] = [];
    const filled = fill(entry, ["mcpServers", name], (text, path) =>
      text.replace(PLACEHOLDER, (_match, varName: string, fallback: string | undefined) => {
        varsRead.add(varName);
        const value = vars[varName];
        if (typeof value === "string") return value;
        if (fallback !== undefined && value === undefined) return fallback;
        issues.push({
          field: fieldPath(path),
          rule: value === undefined ? "missing_variable" : "variable_not_text",
          message:
            value === undefined
              ? `server "${name}" uses \${${varName}}, which is not set and has no default: set the var or secret ${varName}, or write \${${varName}:default}`
              : `server "${name}" uses \${${varName}}, which is a binding, not a text var or secret`,
        });
        return "";
      }),
    );
    if (issues.length === 0) out[name] = filled;
    else invalid.set(name, issues);
  }
  return { servers: out, invalid, varsRead: [...varsRead].sort() };
}

/** A copy of `value` with `replace` applied to every string in it (object keys are left alone). */
function fill(value: unknown, path: PropertyKey[], replace: (text: string, path: PropertyKey[]) => string): unknown {
  if (typeof value === "string") return replace(value, path);
  if (Array.isArray(value)) return value.map((item, i) => fill(item, [...path, i], replace));
  if (isJsonObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, fill(item, [...path, key], replace)]));
  }
  return value;
}

/** A JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
