/**
 * @module tools/external/catalog
 * One server's tool list as the source keeps it: fetched page by page from the upstream, each tool reduced to
 * what is kept, and turned into the session's tool descriptors under the names naming.ts gave them.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { RequestOptions } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { UpstreamTool } from "../../cache/tool-cache";
import type { ToolDescriptor } from "../../contract/tools";

/** A server answering with more pages than this is cut off (and reported incomplete). */
export const MAX_LIST_PAGES = 50;

/** A server's tool list and when it was fetched. Never edited: a newer list replaces it. */
export interface Catalog {
  tools: UpstreamTool[];
  fetchedAt: number;
  /** False when the server had more than {@link MAX_LIST_PAGES} pages. */
  complete: boolean;
}

/** Every page of `tools/list`, each entry reduced to what is kept. */
export async function listAllTools(
  client: Client,
  options: RequestOptions,
): Promise<{ tools: UpstreamTool[]; complete: boolean }> {
  const tools: UpstreamTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const answer = await client.listTools(cursor === undefined ? {} : { cursor }, options);
    for (const tool of answer.tools) {
      tools.push({ name: tool.name, title: tool.title, description: tool.description, inputSchema: tool.inputSchema });
    }
    cursor = answer.nextCursor;
    if (!cursor) return { tools, complete: true };
  }
  return { tools, complete: false };
}

/** The session's descriptor of `server`'s `tool`, listed as `name`. */
export function toolDescriptor(name: string, server: string, tool: UpstreamTool): ToolDescriptor {
  return {
    name,
    description: tool.description ?? tool.title ?? "",
    input_schema: { ...tool.inputSchema, type: "object" },
    source: "external",
    original_name: tool.name,
    server,
  };
}
