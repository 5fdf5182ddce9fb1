/**
 * @module tools/naming
 * The rules every listed tool name follows, whatever its source: what an LLM accepts as a function name
 * (`^[a-zA-Z0-9_-]{1,64}$`), and how a name is made free when it is taken.
 */

/** The longest function name LLM APIs accept. */
export const MAX_TOOL_NAME_LENGTH = 64;

/** `text` with every character a function name may not hold turned into `_` (not cut to length). */
export function toFunctionName(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, "_");
}

/** `name` if free, else `name_2`, `name_3`, … cut to {@link MAX_TOOL_NAME_LENGTH}: the first not taken. */
export function firstFreeName(name: string, taken: { has(name: string): boolean }): string {
  if (!taken.has(name)) return name;
  for (let n = 2; ; n++) {
    const suffix = `_${n}`;
    const candidate = name.slice(0, MAX_TOOL_NAME_LENGTH - suffix.length) + suffix;
    if (!taken.has(candidate)) return candidate;
  }
}
