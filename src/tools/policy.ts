/**
 * @module tools/policy
 * Which of a session's tools are offered: the operator's filter per external server (`"tools": {"allow",
 * "deny"}` on an `mcpServers` entry, over the names the server gives its tools) and the session's own, given at
 * bind (over the names its listing shows). A tool is offered when every filter that applies to it lets it
 * through: it matches a pattern of `allow` (when there is one) and none of `deny`. In a pattern, `*` stands for
 * any run of characters; everything else matches itself.
 */
import type { ToolDescriptor } from "../contract/tools";

/** An allow and a deny list of patterns, either left out. */
export interface FilterLists {
  allow?: readonly string[];
  deny?: readonly string[];
}

export class ToolPolicy {
  /** Offers every tool. */
  static readonly OPEN = new ToolPolicy(new Map(), undefined);

  readonly #servers: ReadonlyMap<string, NameFilter>;
  readonly #session: NameFilter | undefined;

  /**
   * @param servers each external server's filter by server name, over the names the server gives its tools
   * @param session the session's filter over listed names
   */
  constructor(servers: ReadonlyMap<string, FilterLists>, session: FilterLists | undefined) {
    this.#servers = new Map([...servers].map(([name, lists]) => [name, new NameFilter(lists)]));
    this.#session = session === undefined ? undefined : new NameFilter(session);
  }

  /** Whether `tool` (as listed, with its final name) is offered. */
  allows(tool: ToolDescriptor): boolean {
    const server = tool.source === "external" && tool.server !== undefined ? this.#servers.get(tool.server) : undefined;
    if (server && !server.allows(tool.original_name)) return false;
    return this.#session?.allows(tool.name) ?? true;
  }
}

/** One allow and deny list over names (a server's over the names it gives its tools, a session's over listed names). */
export class NameFilter {
  readonly #allow: RegExp[] | undefined;
  readonly #deny: RegExp[];

  constructor({ allow, deny = [] }: FilterLists) {
    this.#allow = allow?.map(toRegExp);
    this.#deny = deny.map(toRegExp);
  }

  allows(name: string): boolean {
    if (this.#allow && !this.#allow.some((pattern) => pattern.test(name))) return false;
    return !this.#deny.some((pattern) => pattern.test(name));
  }
}

/** A whole-name pattern with `*` as any run of characters, every other character literal. */
function toRegExp(pattern: string): RegExp {
  const literal = pattern.split("*").map((part) => part.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&"));
  return new RegExp(`^${literal.join(".*")}$`, "s");
}
