/**
 * @module test/coerce.test
 * Arguments brought to the schema's types before any source sees them (unit test of src/tools/coerce.ts).
 */
import { describe, expect, it } from "vitest";
import { coerceArguments } from "../src/tools/coerce";

const schema = {
  type: "object" as const,
  properties: {
    volume: { type: "integer" },
    ratio: { type: "number" },
    mute: { type: "boolean" },
    label: { type: "string" },
    filter: { type: "object" },
    tags: { type: "array" },
  },
};

describe("coerceArguments", () => {
  it("converts strings, numbers and booleans to the declared type", () => {
    expect(
      coerceArguments(schema, { volume: "50", ratio: "0.5", mute: "true", label: 7, filter: '{"a":1}', tags: '["x"]' }),
    ).toEqual({ volume: 50, ratio: 0.5, mute: true, label: "7", filter: { a: 1 }, tags: ["x"] });
  });

  it("leaves values it cannot convert, and undeclared ones, as they are", () => {
    expect(coerceArguments(schema, { volume: "loud", mute: "maybe", filter: "[1]", tags: "{}", extra: "1" })).toEqual({
      volume: "loud",
      mute: "maybe",
      filter: "[1]",
      tags: "{}",
      extra: "1",
    });
  });
});
