/**
 * @module api/rest/json-body
 * Guards request bodies before validation: a JSON content type (else 415), a size limit (else 413, without
 * reading more than the limit), well-formed JSON (else 400 naming the parse error), and JSON nested no deeper
 * than the contract allows (else 400 `invalid_request` naming the field: nothing deeper reaches the schema or
 * the session's Durable Object, whose RPC would overflow its stack on it). The body is parsed here, once: the
 * route's validator is handed this parse instead of parsing the text again.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { ApiError } from "../../errors";
import { parseJson } from "../../util/json";
import { invalidRequest, nestingIssue } from "../../validation";
import { readBodyCapped } from "../read-body";

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
    const text = new TextDecoder().decode(await readBodyCapped(c.req.raw, limit));
    const parsed = parseJson(text);
    if (!parsed.ok) throw new ApiError("invalid_json", `request body is not valid JSON: ${parsed.error}`);
    const tooDeep = nestingIssue(parsed.value);
    if (tooDeep) throw invalidRequest("request body", [tooDeep]);
    // The stream is consumed: the checked text becomes the request's body again, for whoever reads it later.
    c.req.raw = new Request(c.req.raw, { body: text });
    // Hono (4.13) caches only the body's text and parses it again on every `c.req.json()`, which the route's
    // validator calls: this request's `json()` answers with the value parsed above instead.
    c.req.json = <T>() => Promise.resolve(parsed.value as T);
    await next();
  };
