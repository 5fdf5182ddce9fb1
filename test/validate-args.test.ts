/**
 * @module test/validate-args.test
 * Arguments checked against a tool's JSON Schema: the fields and rules reported, and schemas that cannot be
 * used (unit test of src/tools/validate-args.ts; the end-to-end checks are in argument-validation.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { ToolDescriptor } from "../src/contract/tools";
import { argumentIssues } from "../src/tools/validate-args";

function tool(input_schema: Record<string, unknown>, name = "mcp_test"): ToolDescriptor {
  return {
    name,
    description: "",
    input_schema: { type: "object", ...input_schema },
    source: "external",
    original_name: name,
    server: "test",
  };
}

const volume = tool({ properties: { volume: { type: "integer", minimum: 0, maximum: 100 } }, required: ["volume"] });

/** The issues only (the schemas here are usable). */
const issuesOf = (t: ToolDescriptor, args: Record<string, unknown>) => argumentIssues(t, args).issues;

describe("argumentIssues", () => {
  it("accepts arguments that fit", () => {
    expect(issuesOf(volume, { volume: 30 })).toEqual([]);
  });

  it("names a missing, a mistyped and an out-of-range argument with its keyword", () => {
    expect(issuesOf(volume, {})).toEqual([{ field: "arguments.volume", rule: "required", message: "required but missing" }]);
    expect(issuesOf(volume, { volume: "loud" })).toEqual([
      { field: "arguments.volume", rule: "type", message: expect.stringContaining('Expected "integer"') as string },
    ]);
    expect(issuesOf(volume, { volume: 150 })).toEqual([
      { field: "arguments.volume", rule: "maximum", message: "150 is greater than 100." },
    ]);
  });

  it("leaves the listed schema as it was: it is shown to gateways, and frozen for device tools", () => {
    const listed = tool({ properties: { volume: { type: "integer" } }, $defs: { unused: { type: "string" } } });
    const before = JSON.stringify(listed.input_schema);
    expect(issuesOf(listed, { volume: "x" })).toHaveLength(1);
    expect(JSON.stringify(listed.input_schema)).toBe(before);
    const frozen = tool({ properties: Object.freeze({ volume: Object.freeze({ type: "integer" }) }) });
    Object.freeze(frozen.input_schema);
    expect(issuesOf(frozen, { volume: "x" })).toHaveLength(1);
  });

  it("reports every failing field, nested and in arrays, once each", () => {
    const nested = tool({
      properties: {
        tags: { type: "array", items: { type: "string" } },
        place: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        音量: { type: "integer" },
        "a/b": { type: "string" },
      },
      required: ["must"],
    });
    const issues = issuesOf(nested, { tags: [1, "x", 2], place: {}, 音量: "大", "a/b": 3 });
    expect(issues.map((i) => `${i.field} ${i.rule}`).sort()).toEqual(
      [
        "arguments.must required",
        "arguments.tags[0] type",
        "arguments.tags[2] type",
        "arguments.place.city required",
        "arguments.音量 type",
        "arguments.a/b type",
      ].sort(),
    );
  });

  it("names a field additionalProperties forbids, and each alternative an anyOf offered", () => {
    const closed = tool({ properties: { a: { type: "string" } }, additionalProperties: false });
    expect(issuesOf(closed, { a: "x", extra: 1 })).toEqual([
      { field: "arguments.extra", rule: "not_allowed", message: "not allowed by the tool's schema" },
    ]);
    const either = tool({ properties: { m: { anyOf: [{ type: "string" }, { type: "integer" }] } } });
    expect(issuesOf(either, { m: true }).map((i) => `${i.field} ${i.rule}`)).toEqual(["arguments.m type", "arguments.m type"]);
  });

  it("follows the draft the schema names (draft-07 tuples as items)", () => {
    const tuple = tool({
      $schema: "http://json-schema.org/draft-07/schema#",
      properties: { pair: { type: "array", items: [{ type: "string" }, { type: "integer" }] } },
    });
    expect(issuesOf(tuple, { pair: ["a", 1] })).toEqual([]);
    expect(issuesOf(tuple, { pair: [1, 1] }).map((i) => i.field)).toEqual(["arguments.pair[0]"]);
  });

  it("lets calls through when the schema itself is broken, and says why to the first call only", () => {
    const broken = [
      tool({ properties: { a: { type: "strin" } } }, "mcp_bad_type"),
      tool({ properties: { a: { type: ["string", "nul"] } } }, "mcp_bad_type_list"),
      tool({ properties: { a: { type: "string", pattern: "(" } } }, "mcp_bad_pattern"),
      tool({ patternProperties: { "[": { type: "string" } } }, "mcp_bad_pattern_key"),
      tool({ properties: { a: { $ref: "#/$defs/nowhere" } } }, "mcp_bad_ref"),
      tool({ properties: null }, "mcp_null_properties"),
    ];
    for (const schema of broken) {
      const first = argumentIssues(schema, { a: 1 });
      expect(first).toEqual({ issues: [], unusable: expect.any(String) as string });
      expect(argumentIssues(schema, { a: 2 })).toEqual({ issues: [] });
    }
  });

  it("leaves data alone when looking for broken schemas (an enum of objects with a type key)", () => {
    const withData = tool({ properties: { a: { enum: [{ type: "anything" }] } } });
    expect(issuesOf(withData, { a: { type: "anything" } })).toEqual([]);
    expect(issuesOf(withData, { a: { type: "other" } }).map((i) => i.rule)).toEqual(["enum"]);
  });
});
