/**
 * @module util/http
 * Reading HTTP messages the same way everywhere: a response's media type. A shared leaf: it imports nothing of
 * the service, and every layer may import it.
 */

/** The media type of `response` (`text/event-stream`, …), lowercased and without parameters; undefined without one. */
export function mediaType(response: Response): string | undefined {
  return response.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
}
