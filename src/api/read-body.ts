/**
 * @module api/read-body
 * Reads a request body up to the configured limit (`limits.max_body_bytes`), for every API: a larger body is a
 * 413 `payload_too_large`, found without reading more than the limit.
 */
import { ApiError } from "../errors";

/** The body's bytes; `payload_too_large` when it declares or turns out to be longer than `limit`. */
export async function readBodyCapped(request: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new ApiError("payload_too_large", `request body exceeds ${limit} bytes`, { limit_bytes: limit });
  const declared = Number(request.headers.get("Content-Length") ?? NaN);
  if (declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  // A declared length is the body's length (the runtime holds the request to it): read at once, natively, which
  // costs a fraction of reading chunk by chunk. An undeclared (chunked) body is read in chunks, counted on the way.
  if (Number.isFinite(declared)) return new Uint8Array(await request.arrayBuffer());
  // The runtime types a request body as a stream of `any`; its chunks are bytes.
  const reader = (request.body as ReadableStream<Uint8Array>).getReader();
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
  return bytes;
}
