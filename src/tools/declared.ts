/**
 * @module tools/declared
 * What an MCP tool declares besides its name, description and input schema, as the listing carries it: the MCP
 * names (`title`, `annotations`, `outputSchema`, `icons`, `_meta`) mapped to the contract's (contract/tools'
 * `DeclaredToolFields`), the fields a tool does not declare left out. An external server's tools and the device's
 * keep the same fields this way.
 */
import type { DeclaredToolFields } from "../contract/tools";
import { withoutUndefined } from "../util/object";

/** The declared fields of a tool in MCP's shape (an upstream's `Tool`, a device's listed tool). */
export interface McpDeclaredFields {
  title?: string;
  annotations?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  icons?: unknown[];
  _meta?: Record<string, unknown>;
}

export function declaredFields(tool: McpDeclaredFields): DeclaredToolFields {
  return withoutUndefined({
    title: tool.title,
    annotations: tool.annotations,
    output_schema: tool.outputSchema,
    icons: tool.icons,
    meta: tool._meta,
  });
}
