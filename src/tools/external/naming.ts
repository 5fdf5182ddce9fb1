/**
 * @module tools/external/naming
 * The names external tools are listed under: valid LLM function names (`^[a-zA-Z0-9_-]{1,64}$`), unique across
 * every configured server, and the same for the same catalogs whatever the order servers are configured or
 * answer in.
 *
 * Rules, applied in rounds until every name is unique:
 * 1. `<prefix><tool>` (`mcp_echo`), the name xiaozhi-server-go gateways expect;
 * 2. names two servers would share become `<prefix><server>_<tool>` (`mcp_weather_echo`), for each of them;
 * 3. names still shared (or cut to 64 characters) end in `_<hash of server and tool>`.
 * Characters outside `[A-Za-z0-9_-]` become `_`. Names are looked up in the returned map, never by stripping
 * a prefix, so a tool that is itself called `mcp_x` stays callable as `mcp_mcp_x`.
 */

import { firstFreeName, MAX_TOOL_NAME_LENGTH, toFunctionName } from "../naming";

const HASH_SUFFIX_LENGTH = 9; // "_" + 8 hex digits

/** One tool of one server, as the server names it. */
export interface UpstreamToolRef {
  server: string;
  tool: string;
}

/** The listed name of every tool in `catalogs`, keyed by {@link toolKey}. */
export function assignToolNames(prefix: string, catalogs: ReadonlyMap<string, readonly string[]>): Map<string, string> {
  const refs: UpstreamToolRef[] = [];
  for (const server of [...catalogs.keys()].sort()) {
    for (const tool of catalogs.get(server) ?? []) refs.push({ server, tool });
  }
  const rounds: Array<(ref: UpstreamToolRef) => string> = [
    (ref) => fit(prefix + toFunctionName(ref.tool), ref),
    (ref) => fit(`${prefix}${toFunctionName(ref.server)}_${toFunctionName(ref.tool)}`, ref),
    (ref) => withHash(`${prefix}${toFunctionName(ref.server)}_${toFunctionName(ref.tool)}`, ref),
  ];
  const names = new Map<string, string>();
  const taken = new Set<string>();
  let pending = refs;
  for (const [round, nameOf] of rounds.entries()) {
    const candidates = new Map<string, UpstreamToolRef[]>();
    for (const ref of pending) {
      const name = nameOf(ref);
      candidates.set(name, [...(candidates.get(name) ?? []), ref]);
    }
    const isLastRound = round === rounds.length - 1;
    pending = [];
    for (const [name, holders] of candidates) {
      if (holders.length === 1 && !taken.has(name)) {
        names.set(toolKey(holders[0]!), name);
        taken.add(name);
      } else if (isLastRound) {
        // Only a 32-bit hash collision gets here: `_2`, `_3`, … in server-then-tool order.
        for (const ref of holders) {
          const free = firstFreeName(name, taken);
          names.set(toolKey(ref), free);
          taken.add(free);
        }
      } else {
        pending.push(...holders);
      }
    }
  }
  return names;
}

/** The map key of a server's tool. */
export function toolKey(ref: UpstreamToolRef): string {
  return JSON.stringify([ref.server, ref.tool]);
}

/** Names over the limit are cut and end in the tool's hash, so two long names cut alike still differ. */
function fit(name: string, ref: UpstreamToolRef): string {
  return name.length <= MAX_TOOL_NAME_LENGTH ? name : withHash(name, ref);
}

function withHash(name: string, ref: UpstreamToolRef): string {
  return `${name.slice(0, MAX_TOOL_NAME_LENGTH - HASH_SUFFIX_LENGTH)}_${fnv1a(toolKey(ref))}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: short, stable across isolates, no async crypto needed. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}
