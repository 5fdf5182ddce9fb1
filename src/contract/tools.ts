/**
 * @module contract/tools
 * The tool model every API shows: a listed tool, where it comes from, and how each source answered a listing.
 */
import { z } from "@hono/zod-openapi";

/** Where a tool lives. */
export const ToolSourceKind = z.enum(["local", "external", "device", "endpoint"]);
export type ToolSourceKind = z.infer<typeof ToolSourceKind>;

/** How a source answered a listing. `unsupported`: configured, but not usable here (a stdio server). */
export const SourceStatus = z.enum(["ok", "unavailable", "incomplete", "unsupported"]);
export type SourceStatus = z.infer<typeof SourceStatus>;

/** A JSON Schema object describing a tool's arguments, as given to the LLM. */
export const JsonSchemaObject = z.looseObject({
  type: z.literal("object"),
  properties: z.record(z.string(), z.unknown()).optional(),
  required: z.array(z.string()).optional(),
});
export type JsonSchemaObject = z.infer<typeof JsonSchemaObject>;

/** A JSON object kept as its source gave it. */
const JsonObjectValue = z.record(z.string(), z.unknown());

/**
 * What an MCP server may declare of a tool besides its name, description and input schema: kept as declared, so a
 * gateway or an MCP client sees everything (a `destructiveHint` to confirm first, an `outputSchema`).
 */
export type DeclaredToolFields = Pick<ToolDescriptor, "title" | "annotations" | "output_schema" | "icons" | "meta">;

/** A tool as listed to the gateway. `name` is unique across all sources of a session. */
export const ToolDescriptor = z
  .object({
    name: z.string(),
    description: z.string(),
    input_schema: JsonSchemaObject,
    source: ToolSourceKind,
    original_name: z
      .string()
      .openapi({ description: "The name at its source (the device's self.audio_speaker.set_volume, an upstream's echo)" }),
    server: z.string().optional().openapi({ description: "The configured server the tool comes from (external tools only)" }),
    title: z.string().optional().openapi({ description: "A display name, as the tool's server declared it" }),
    annotations: JsonObjectValue.optional().openapi({
      description: "MCP tool annotations as declared (`readOnlyHint`, `destructiveHint`, `idempotentHint`, `openWorldHint`, …)",
    }),
    output_schema: JsonObjectValue.optional().openapi({
      description: "The JSON Schema of the tool's structured result (MCP `outputSchema`), as declared",
    }),
    icons: z.array(z.unknown()).optional().openapi({ description: "MCP icons of the tool, as declared" }),
    meta: JsonObjectValue.optional().openapi({ description: "The tool's MCP `_meta`, as declared" }),
  })
  .openapi("Tool");
export type ToolDescriptor = z.infer<typeof ToolDescriptor>;

/** One source's answer to a listing. A source that cannot list says so here; it never throws. */
export const SourceListing = z.object({
  /** `local`, `device`, or the external server's configured name. */
  source: z.string(),
  kind: ToolSourceKind,
  status: SourceStatus,
  tools: z.array(ToolDescriptor),
  /** What went wrong, or what to do instead. */
  error: z.string().optional(),
});
export type SourceListing = z.infer<typeof SourceListing>;

/** How one source answered, as reported next to the merged list. */
export const SourceReport = z
  .object({
    source: z.string(),
    kind: ToolSourceKind,
    status: SourceStatus,
    tool_count: z.number().int(),
    error: z.string().optional(),
  })
  .openapi("SourceReport");
export type SourceReport = z.infer<typeof SourceReport>;

/** A session's tools from every source, and how each source answered. */
export const ToolList = z.object({ tools: z.array(ToolDescriptor), sources: z.array(SourceReport) });
export type ToolList = z.infer<typeof ToolList>;

/** The most patterns an allow or a deny list may hold. */
const MAX_FILTER_PATTERNS = 100;

/**
 * Which tools are offered: those matching a pattern of `allow` (every tool when it is left out) and none of
 * `deny` (deny wins). A pattern is a whole name, in which `*` stands for any run of characters.
 */
export const toolFilterOf = <P extends z.ZodType<string>>(pattern: P) =>
  z
    .object({
      allow: z
        .array(pattern)
        .min(1, "list at least one tool, or leave allow out to offer every tool not denied")
        .max(MAX_FILTER_PATTERNS)
        .optional(),
      deny: z.array(pattern).max(MAX_FILTER_PATTERNS).optional(),
    })
    .strict();

/** A pattern over listed names: their characters (A-Z a-z 0-9 _ -) and `*`. */
export const ListedToolPattern = z
  .string()
  .regex(/^[A-Za-z0-9_*-]{1,128}$/, "1-128 characters of A-Z a-z 0-9 _ - and * (any run of characters)");

/** A session's own filter over the names its listing shows (`local_get_time`, `mcp_echo`, `mcp_*`). */
export const ToolFilter = toolFilterOf(ListedToolPattern).openapi("ToolFilter", {
  description:
    "Which of the session's tools are offered, by the names its listing shows: those matching `allow` (all when left " +
    "out) and not `deny`; `*` matches any run of characters. Other tools are not listed and executing them is " +
    "`tool_not_found`.",
});
export type ToolFilter = z.infer<typeof ToolFilter>;
