/**
 * @module tools/router
 * Merges the listings of a session's sources into one list with unique names, and finds the source of a name.
 * It knows nothing of transports: only the {@link ToolSource} interface. It is also where the session's
 * {@link ToolPolicy} is enforced, the one place every listing and every call passes: a tool the policy does not
 * offer is neither listed nor found, so a call to it is `tool_not_found` and never reaches its source. Names are
 * made unique over every tool, offered or not, so a filter never renames the tools it lets through.
 */
import type { SourceReport, ToolDescriptor, ToolList } from "../contract/tools";
import { firstFreeName } from "./naming";
import { ToolPolicy } from "./policy";
import type { ToolSource } from "./types";

export interface ResolvedTool {
  tool: ToolDescriptor;
  source: ToolSource;
}

export class ToolRouter {
  /** The names of the latest listing: a call finds its tool here without listing every source again. */
  #index = new Map<string, ResolvedTool>();

  #policy: ToolPolicy;

  /**
   * @param onListed told how every source answered each listing (the session's `tools_changed` events come
   *   from it).
   */
  constructor(
    private readonly sources: readonly ToolSource[],
    policy: ToolPolicy = ToolPolicy.OPEN,
    private readonly onListed?: (sources: readonly SourceReport[]) => void,
  ) {
    this.#policy = policy;
  }

  /** Offers only the tools `policy` allows, from the next listing on (a binding's filter changed). */
  restrict(policy: ToolPolicy): void {
    this.#policy = policy;
    this.#index = new Map();
  }

  /** Every source's tools, listed concurrently; names made unique in source order. */
  async list(): Promise<ToolList> {
    const answers = await Promise.all(this.sources.map(async (source) => ({ source, listings: await source.listTools() })));
    const index = new Map<string, ResolvedTool>();
    const taken = new Set<string>();
    const tools: ToolDescriptor[] = [];
    const sources: SourceReport[] = [];
    for (const { source, listings } of answers) {
      for (const listing of listings) {
        const report: SourceReport = { source: listing.source, kind: listing.kind, status: listing.status, tool_count: 0 };
        if (listing.error !== undefined) report.error = listing.error;
        sources.push(report);
        for (const listed of listing.tools) {
          const tool = taken.has(listed.name) ? { ...listed, name: firstFreeName(listed.name, taken) } : listed;
          taken.add(tool.name);
          if (!this.#policy.allows(tool)) continue;
          index.set(tool.name, { tool, source });
          tools.push(tool);
          report.tool_count++;
        }
      }
    }
    this.#index = index;
    this.onListed?.(sources);
    return { tools, sources };
  }

  /**
   * The tool listed under `name` (in the latest listing, else in a new one), or the one a source's
   * compatibility alias stands for. A tool that has since gone away is still found: its call says why.
   */
  async resolve(name: string): Promise<ResolvedTool | undefined> {
    if (!this.#index.has(name)) await this.list();
    const listed = this.#index.get(name);
    if (listed) return listed;
    for (const source of this.sources) {
      const tool = source.resolveAlias?.(name);
      if (tool) return this.#policy.allows(tool) ? { tool, source } : undefined;
    }
    return undefined;
  }
}
