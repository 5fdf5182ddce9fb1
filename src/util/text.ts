/**
 * @module util/text
 * Measuring and clipping text the service did not write (device frames, the messages quoted from them). A
 * shared leaf: it imports nothing of the service, and every layer may import it.
 */

const encoder = new TextEncoder();

/**
 * Null when `text` is within `limitBytes` of UTF-8; otherwise its size in bytes, or a lower bound of it for a
 * text so long that its length alone says it is over (a UTF-16 unit is one to three UTF-8 bytes), so a huge
 * text costs nothing to refuse.
 */
export function utf8SizeOver(text: string, limitBytes: number): number | null {
  if (text.length > limitBytes) return text.length;
  if (text.length * 3 <= limitBytes) return null;
  const bytes = encoder.encode(text).byteLength;
  return bytes > limitBytes ? bytes : null;
}

/**
 * `text` cut to `maxChars`, saying how long it was when it was cut.
 *
 * @example
 * ```ts
 * clip("x".repeat(600), 500) // "xx…x… (600 characters in all)"
 * ```
 */
export function clip(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, maxChars)}… (${text.length} characters in all)`;
}
