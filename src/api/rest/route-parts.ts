/**
 * @module api/rest/route-parts
 * What every REST route declaration shares: the error codes each `/api` route and each body-taking route can
 * answer, the API key's security requirement, and the JSON request and response entries of `/openapi.json`.
 */
import type { z } from "@hono/zod-openapi";
import type { Examples } from "./examples";

/**
 * Every `/api` route: the API key, the configuration and the tenant's rate limit are checked first, and anything
 * unexpected is a 500.
 */
export const API = ["unauthorized", "rate_limited", "not_configured", "config_invalid", "internal"] as const;
/** The routes that take a JSON body: the body guard (json-body.ts), then the schema. */
export const BODY = ["unsupported_media_type", "payload_too_large", "invalid_json", "invalid_request"] as const;

export function json<T extends z.ZodType>(schema: T, description: string, examples: Examples<T>) {
  return { description, content: { "application/json": { schema, examples } } };
}

export function jsonRequest<T extends z.ZodType>(schema: T, examples: Examples<T>) {
  return { content: { "application/json": { schema, examples } }, required: true };
}

export const common = { security: [{ bearerAuth: [] }] };
