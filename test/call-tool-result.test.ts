/**
 * @module test/call-tool-result.test
 * An upstream's MCP CallToolResult converted to the ExecutionResult the gateway gets (unit test of
 * `fromCallToolResult` in src/tools/result.ts).
 */
import { describe, expect, it } from "vitest";
import { fromCallToolResult } from "../src/tools/result";

describe("MCP CallToolResult → ExecutionResult", () => {
  it("joins text items into one req_llm string", () => {
    const result = fromCallToolResult("mcp_t", {
      content: [
        { type: "text", text: "line one" },
        { type: "text", text: "line two" },
      ],
    });
    expect(result).toEqual({ success: true, action: "req_llm", result: "line one\nline two", response: null });
  });

  it("keeps images and resources in content and names them in the text", () => {
    const content = [
      { type: "text" as const, text: "here:" },
      { type: "image" as const, data: "iVBORw0KGgo=", mimeType: "image/png" },
      { type: "resource" as const, resource: { uri: "file:///a.txt", text: "resource text" } },
      { type: "resource_link" as const, uri: "file:///b.bin", name: "b" },
    ];
    const result = fromCallToolResult("mcp_t", { content });
    expect(result.success).toBe(true);
    expect(result.result).toBe("here:\n[image image/png]\nresource text\n[resource link file:///b.bin]");
    expect(result.content).toEqual(content);
  });

  it("isError is a tool_error carrying the upstream's text", () => {
    const result = fromCallToolResult("mcp_t", { content: [{ type: "text", text: "city not found" }], isError: true });
    expect(result).toMatchObject({ success: false, action: "error", error: { code: "tool_error", message: "city not found" } });
  });

  it("structured content alone becomes its JSON text", () => {
    const result = fromCallToolResult("mcp_t", { content: [], structuredContent: { temperature: 21 } });
    expect(result.result).toBe('{"temperature":21}');
  });
});
