/**
 * @module api/read-body
 * Reads a request body up to the configured limit (`limits.max_body_bytes`), for every API: a larger body is a
 * 413 `payload_too_large`, found without reading more than the limit.
 */
import { ApiError } from "../errors";

/** The body's bytes; `payload_too_large` when it declares or turns out to be longer than `limit`. */
export async function readBodyCapped(request: Request, limit: number): Promise<Uint8Array> {
  const tooLarge = () => new ApiError("payload_too_large", `request body exceeds ${limit} bytes`, { limit_bytes: limit });
  const length = request.headers.get("Content-Length");
  const declared = length !== null && /^\d+$/.test(length) ? Number(length) : null;
  if (declared !== null && declared > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  // A body of declared length alone (not chunked as well) is held to it by the runtime: read at once, natively,
  // which costs a fraction of reading chunk by chunk, and checked again. Any other body is read in chunks, counted
  // on the way, so no more than the limit is ever read.
  if (declared !== null && !request.headers.has("Transfer-Encoding")) {
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge();
    return bytes;
  }
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
