/**
 * @module test/helpers
 * `api`, an untyped request kept for the OpenAPI document's tests (test/openapi.test.ts and the document's test
 * in device-relay.test.ts), which read the document as plain JSON. Every other test calls the API through
 * test/api.ts.
 */
import { type RequestOptions, restRequest } from "./api";

/** A request whose JSON body is not typed (the OpenAPI document has no schema of its own here). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is read as plain JSON, see above
export const api = (path: string, options?: RequestOptions) => restRequest<any>(path, options);
