/**
 * @module util/json
 * JSON text parsed without throwing: the one place the service calls `JSON.parse` on text it did not write
 * itself (request bodies, configuration variables, device frames, upstream events, stored columns), and how
 * deep a parsed value nests, measured without recursion. A shared leaf: it imports nothing of the service,
 * and every layer may import it.
 */

/** The parsed value, or the parser's message (which quotes the text around the error: mind what it may hold). */
export type JsonParse = { ok: true; value: unknown } | { ok: false; error: string };

/**
 * Parses `text` as JSON.
 *
 * @example
 * ```ts
 * const parsed = parseJson(text);
 * if (!parsed.ok) return { ok: false, reason: `not JSON: ${parsed.error}` };
 * ```
 */
export function parseJson(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

/** A container met while measuring, with the way back to the root. */
interface Level {
  value: object;
  depth: number;
  key?: PropertyKey;
  parent?: Level;
}

/**
 * Where `value` nests objects and arrays more than `maxDepth` deep (the value itself, when a container, is
 * level 1): the path of keys to the first container beyond that depth, or undefined when none is. Measured
 * with an explicit stack, never by recursion, and never past `maxDepth + 1`, so measuring a value nested
 * thousands deep (or one that refers to itself) cannot exhaust the call stack.
 *
 * @example
 * ```ts
 * nestedBeyond({ a: [[1]] }, 2); // ["a", 0]
 * nestedBeyond({ a: [1] }, 2); // undefined
 * ```
 */
export function nestedBeyond(value: unknown, maxDepth: number): PropertyKey[] | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const stack: Level[] = [{ value, depth: 1 }];
  for (let level = stack.pop(); level !== undefined; level = stack.pop()) {
    if (level.depth > maxDepth) return pathOf(level);
    const members: Iterable<[PropertyKey, unknown]> = Array.isArray(level.value)
      ? (level.value as unknown[]).entries()
      : Object.entries(level.value);
    const children: Level[] = [];
    for (const [key, member] of members) {
      if (typeof member === "object" && member !== null) {
        children.push({ value: member, depth: level.depth + 1, key, parent: level });
      }
    }
    // Pushed in reverse, so members are measured in order and the path named is the first one found.
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Level);
  }
  return undefined;
}

function pathOf(level: Level): PropertyKey[] {
  const path: PropertyKey[] = [];
  for (let at: Level | undefined = level; at?.key !== undefined; at = at.parent) path.unshift(at.key);
  return path;
}
