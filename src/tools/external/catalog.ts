/**
 * @module tools/external/catalog
 * One server's tool list as the source keeps it: fetched page by page from the upstream, each tool reduced to
 * what is kept, and turned into the session's tool descriptors under the names naming.ts gave them.
 */
import type { Client, RequestOptions, Tool } from "@modelcontextprotocol/client";
import type { UpstreamTool } from "../../cache/tool-cache";
import type { ToolDescriptor } from "../../contract/tools";
import { withoutUndefined } from "../../util/object";
import { declaredFields } from "../declared";

/** A server answering with more pages than this is cut off (and reported incomplete). */
export const MAX_LIST_PAGES = 50;

/** A server's tool list and when it was fetched. Never edited: a newer list replaces it. */
export interface Catalog {
  tools: UpstreamTool[];
  fetchedAt: number;
  /** False when the server had more than {@link MAX_LIST_PAGES} pages. */
  complete: boolean;
}

/**
 * Every page of `tools/list`, each entry reduced to what is kept. Page by page, not the SDK's `listTools()`
 * aggregate: that one serves from the client's own response cache and gives nothing back past its page cap,
 * where the service keeps its own cache (KV) and reports a list cut off as incomplete.
 */
export async function listAllTools(
  client: Client,
  options: RequestOptions,
): Promise<{ tools: UpstreamTool[]; complete: boolean }> {
  const tools: UpstreamTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_LIST_PAGES; page++) {
    const answer = await client.request({ method: "tools/list", params: cursor === undefined ? {} : { cursor } }, options);
    for (const tool of answer.tools) {
      tools.push(keptFields(tool));
    }
    cursor = answer.nextCursor;
    if (!cursor) return { tools, complete: true };
  }
  return { tools, complete: false };
}

/** What is kept of a listed tool: everything the server declared of it that a client of ours may need. */
function keptFields(tool: Tool): UpstreamTool {
  const { name, title, description, inputSchema, annotations, outputSchema, icons, _meta } = tool;
  return withoutUndefined({ name, title, description, inputSchema, annotations, outputSchema, icons, _meta });
}

/** The session's descriptor of `server`'s `tool`, listed as `name`: the input schema and declared fields as given. */
export function toolDescriptor(name: string, server: string, tool: UpstreamTool): ToolDescriptor {
  return {
    name,
    description: tool.description ?? tool.title ?? "",
    input_schema: { ...tool.inputSchema, type: "object" },
    source: "external",
    original_name: tool.name,
    server,
    ...declaredFields(tool),
  };
}
