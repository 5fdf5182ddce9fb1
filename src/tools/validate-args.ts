/**
 * @module tools/validate-args
 * A call's arguments checked against its tool's `input_schema` (JSON Schema) after coercion and before the
 * source is called, so an external server or the device never receives arguments its own schema refuses. The
 * refused call is an `invalid_arguments` result whose `details` name each field (`arguments.volume`), the
 * JSON Schema keyword it broke (`rule`: `type`, `required`, `maximum`, …) and why.
 *
 * The validator is @cfworker/json-schema (no code generation, so it runs in Workers). Each schema is compiled
 * once, on its tool's first call, and kept as long as its listing is: sources hand out the same descriptor until
 * their list changes, so a call only runs the compiled check. The draft is read from `$schema` (2020-12, the
 * MCP default, when absent).
 *
 * A schema that is itself broken (an unknown `type`, a `pattern` that is no regular expression, a `$ref` that
 * resolves nowhere) is not the caller's fault: its tool is called unchecked, and the call that found it out is
 * told why (`unusable`), once per listing, for the session to log (`tool_schema_invalid`).
 */
import { type OutputUnit, type Schema, type SchemaDraft, Validator } from "@cfworker/json-schema";
import type { JsonSchemaObject, ToolDescriptor } from "../contract/tools";
import { type FieldIssue, fieldPath } from "../validation";

type Check = (args: Record<string, unknown>) => FieldIssue[];

/** Compiled checks by schema object: a new listing brings new objects, and the old ones are collected. */
const checks = new WeakMap<JsonSchemaObject, Check>();
/** The check of a schema that cannot be used: every call goes through. */
const unchecked: Check = () => [];

const INSTANCE_TYPES = new Set<unknown>(["array", "boolean", "integer", "null", "number", "object", "string"]);
/** Keywords whose values are data, not subschemas. */
const DATA_KEYWORDS = new Set(["enum", "const", "default", "examples"]);

/**
 * Keywords whose failure only says that a subschema failed: when that subschema's own errors are there, they
 * are reported instead.
 */
const APPLICATORS = new Set([
  "properties",
  "patternProperties",
  "additionalProperties",
  "propertyNames",
  "dependentSchemas",
  "items",
  "prefixItems",
  "additionalItems",
  "contains",
  "unevaluatedProperties",
  "unevaluatedItems",
  "$ref",
  "$recursiveRef",
  "allOf",
  "anyOf",
  "oneOf",
  "if",
  "then",
  "else",
]);

/**
 * What `args` break of `tool`'s input schema (`issues`, empty when they fit). A schema that cannot be used lets
 * every call through unchecked, and the one call that found it out gets the reason in `unusable`, for its
 * caller to log: said once per listing, not once per call.
 */
export interface ArgumentCheck {
  issues: FieldIssue[];
  unusable?: string;
}

/** `args` checked against `tool`'s input schema (see {@link ArgumentCheck}). */
export function argumentIssues(tool: ToolDescriptor, args: Record<string, unknown>): ArgumentCheck {
  const schema = tool.input_schema;
  let check = checks.get(schema);
  if (!check) {
    const compiled = compile(schema);
    if (!compiled.ok) {
      checks.set(schema, unchecked);
      return { issues: [], unusable: compiled.problem };
    }
    check = compiled.check;
    checks.set(schema, check);
  }
  try {
    return { issues: check(args) };
  } catch (error) {
    // Found only while validating (a $ref that resolves nowhere): from now on this schema is not used.
    checks.set(schema, unchecked);
    return { issues: [], unusable: String(error) };
  }
}

function compile(schema: JsonSchemaObject): { ok: true; check: Check } | { ok: false; problem: string } {
  const problem = schemaProblem(schema);
  if (problem !== undefined) return { ok: false, problem };
  let validator: Validator;
  try {
    // A copy: the validator writes its bookkeeping (`__absolute_uri__`, …) into the schema it is given, and the
    // listed schema is shown to gateways (and frozen, for device tools).
    validator = new Validator(structuredClone(schema) as Schema, draftOf(schema.$schema), false);
  } catch (error) {
    return { ok: false, problem: String(error) };
  }
  return {
    ok: true,
    check: (args) => {
      const { valid, errors } = validator.validate(args);
      return valid ? [] : toIssues(errors, args);
    },
  };
}

function draftOf(uri: unknown): SchemaDraft {
  const text = typeof uri === "string" ? uri : "";
  if (text.includes("draft-04")) return "4";
  if (text.includes("draft-06") || text.includes("draft-07")) return "7";
  if (text.includes("2019-09")) return "2019-09";
  return "2020-12";
}

/**
 * What makes `schema` unusable, found before any call: a `type` that names no JSON type (it would refuse every
 * value), a `pattern` or `patternProperties` key that does not compile (the validator would throw).
 * Values ({@link DATA_KEYWORDS}) are data, not schema, and are not looked into.
 */
function schemaProblem(schema: unknown): string | undefined {
  if (Array.isArray(schema)) {
    for (const item of schema) {
      const problem = schemaProblem(item);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (typeof schema !== "object" || schema === null) return undefined;
  for (const [key, value] of Object.entries(schema as Record<string, unknown>)) {
    if (DATA_KEYWORDS.has(key)) continue;
    const problem = keywordProblem(key, value) ?? schemaProblem(value);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

function keywordProblem(key: string, value: unknown): string | undefined {
  if (key === "type") {
    const types: unknown[] = Array.isArray(value) ? value : [value];
    const unknown = types.find((t): t is string => typeof t === "string" && !INSTANCE_TYPES.has(t));
    return unknown === undefined ? undefined : `unknown type "${unknown}"`;
  }
  if (key === "pattern" && typeof value === "string") return regexProblem(value);
  if (key === "patternProperties" && typeof value === "object" && value !== null) {
    return Object.keys(value)
      .map(regexProblem)
      .find((problem) => problem !== undefined);
  }
  return undefined;
}

function regexProblem(pattern: string): string | undefined {
  try {
    new RegExp(pattern, "u");
    return undefined;
  } catch (error) {
    return String(error);
  }
}

/** The validator's output as field issues: the failures themselves, not the subschemas that contain them. */
function toIssues(errors: readonly OutputUnit[], args: Record<string, unknown>): FieldIssue[] {
  const causes = errors.filter((unit) => !(APPLICATORS.has(unit.keyword) && errors.some((other) => explains(other, unit))));
  const issues = new Map<string, FieldIssue>();
  for (const unit of causes) {
    const issue = toIssue(unit, args);
    issues.set(`${issue.field}\n${issue.rule}\n${issue.message}`, issue);
  }
  return [...issues.values()];
}

/** `cause` is a failure inside `wrapper`: under its keyword, or (`additionalProperties`) under its instance. */
function explains(cause: OutputUnit, wrapper: OutputUnit): boolean {
  return (
    cause !== wrapper &&
    (cause.keywordLocation.startsWith(`${wrapper.keywordLocation}/`) ||
      cause.instanceLocation.startsWith(`${wrapper.instanceLocation}/`))
  );
}

function toIssue(unit: OutputUnit, args: Record<string, unknown>): FieldIssue {
  const path = instancePath(unit.instanceLocation, args);
  if (unit.keyword === "required" || unit.keyword === "dependentRequired") {
    // The missing property is named only in the message (`… does not have required property "volume".`,
    // `Instance has "a" but does not have "b".`): without it, the object itself is named.
    const missing = /does not have (?:required property )?"(.*)"\.$/.exec(unit.error)?.[1];
    if (missing !== undefined) {
      return { field: fieldPath([...path, missing], "arguments"), rule: unit.keyword, message: "required but missing" };
    }
  }
  if (unit.keyword === "false") {
    // A `false` schema: a property `additionalProperties: false` does not allow, or an item past the last allowed.
    return { field: fieldPath(path, "arguments"), rule: "not_allowed", message: "not allowed by the tool's schema" };
  }
  return { field: fieldPath(path, "arguments"), rule: unit.keyword, message: unit.error };
}

/** `#/tags/0` → `["tags", 0]`: segments un-escaped (the validator URI-encodes them), array indexes as numbers. */
function instancePath(location: string, args: Record<string, unknown>): PropertyKey[] {
  const path: PropertyKey[] = [];
  let value: unknown = args;
  for (const raw of location.split("/").slice(1)) {
    const segment = decodeSegment(raw);
    if (Array.isArray(value) && /^\d+$/.test(segment)) {
      const index = Number(segment);
      path.push(index);
      value = value[index];
    } else {
      path.push(segment);
      value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
    }
  }
  return path;
}

function decodeSegment(raw: string): string {
  let text = raw;
  try {
    text = decodeURIComponent(raw);
  } catch {
    // Not percent-encoded after all: the segment as it is.
  }
  return text.replace(/~1/g, "/").replace(/~0/g, "~");
}
