/**
 * @module api/rest/json-body
 * Guards request bodies before validation: a JSON content type (else 415), a size limit (else 413, without
 * reading more than the limit), and well-formed JSON (else 400 naming the parse error). The checked text
 * becomes the request's body again, for the route's validator.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";

const JSON_CONTENT_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** Mounted on the routes that take a body; needs the config on the context (for `limits.max_body_bytes`). */
export const jsonBody = (): MiddlewareHandler<AppEnv> =>
  async function jsonBody(c, next) {
    const contentType = c.req.header("Content-Type");
    if (!contentType || !JSON_CONTENT_TYPE.test(contentType)) {
      throw new ApiError(
        "unsupported_media_type",
        `request body must be JSON: send Content-Type: application/json (got ${contentType ? `"${contentType}"` : "none"})`,
      );
    }
    const limit = c.var.config.limits.max_body_bytes;
    const text = await readCapped(c.req.raw, limit);
    try {
      JSON.parse(text);
    } catch (err) {
      throw new ApiError("invalid_json", `request body is not valid JSON: ${(err as Error).message}`);
    }
    // The stream is consumed: hand the checked text on to the route's validator.
    c.req.raw = new Request(c.req.raw, { body: text });
    await next();
  };

async function readCapped(request: Request, limit: number): Promise<string> {
  const tooLarge = () => new ApiError("payload_too_large", `request body exceeds ${limit} bytes`, { limit_bytes: limit });
  const declared = Number(request.headers.get("Content-Length") ?? NaN);
  if (declared > limit) throw tooLarge();
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
