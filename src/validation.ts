/**
 * @module validation
 * Turns zod issues into messages a client can act on: each names the field (as a dotted path) and the rule;
 * and the one rule no schema can check safely, how deep a request's JSON nests.
 */
import type { z } from "zod";
import { MAX_JSON_DEPTH } from "./contract/limits";
import { ApiError } from "./errors";
import { nestedBeyond } from "./util/json";

/** One failed rule, as it appears in an error's `details`. */
export interface FieldIssue {
  field: string;
  rule: string;
  message: string;
}

/** `["arguments", "song_name"]` → `"arguments.song_name"`; array indexes as `[0]`. */
export function fieldPath(path: readonly PropertyKey[], prefix?: string): string {
  let out = prefix ?? "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(root)";
}

/** The issues of a failed parse, each with its field path, optionally under `prefix`. */
export function fieldIssues(error: z.ZodError, prefix?: string): FieldIssue[] {
  return error.issues.flatMap((issue): FieldIssue[] => {
    // An unknown key is reported once per key, so each names the field it is about.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        field: fieldPath([...issue.path, key], prefix),
        rule: issue.code,
        message: "unknown field",
      }));
    }
    return [{ field: fieldPath(issue.path, prefix), rule: issue.code, message: issue.message }];
  });
}

/** A one-line summary: `"device_id: expected string, received number; token: unknown field"`. */
export function summarizeIssues(issues: readonly FieldIssue[]): string {
  return issues.map((i) => `${i.field}: ${i.message}`).join("; ");
}

/** The `invalid_request` error for `issues` in `where` (e.g. "request body"): every API answers it alike. */
export function invalidRequest(where: string, issues: FieldIssue[]): ApiError {
  return new ApiError("invalid_request", `invalid ${where}: ${summarizeIssues(issues)}`, issues);
}

/**
 * The issue of a JSON value nested deeper than {@link MAX_JSON_DEPTH} (the value itself counting as one
 * level), naming its outermost field under `prefix`; undefined when it nests no deeper. Measured without
 * recursion, so any value can be checked before anything else walks it.
 */
export function nestingIssue(value: unknown, prefix?: string): FieldIssue | undefined {
  const path = nestedBeyond(value, MAX_JSON_DEPTH);
  if (path === undefined) return undefined;
  return {
    field: fieldPath(path.slice(0, 1), prefix),
    rule: "max_depth",
    message: `objects and arrays nest deeper than ${MAX_JSON_DEPTH} levels (the most a request may nest, counting the request itself)`,
  };
}
