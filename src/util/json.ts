/**
 * @module util/json
 * JSON text parsed without throwing: the one place the service calls `JSON.parse` on text it did not write
 * itself (request bodies, configuration variables, device frames, upstream events, stored columns). A shared
 * leaf: it imports nothing of the service, and every layer may import it.
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
