/**
 * @module tools/local/source
 * The local tools as a {@link ToolSource}: listed as `local_<key>`, executed in-process.
 * `mcp_handler_play_music` (the name the seed's integration test calls, with `{"song": ...}`) is accepted as an
 * unlisted alias of `local_play_music`.
 */
import { z } from "zod";
import type { LocalToolKey, ServiceConfig } from "../../config/schema";
import { fieldIssues } from "../../validation";
import { executionError, invalidArguments } from "../result";
import type { ExecutionResult } from "../../contract/execution";
import type { SourceListing, ToolDescriptor } from "../../contract/tools";
import type { CallOptions, ToolSource } from "../types";
import { LOCAL_TOOLS, type LocalTool } from "./definitions";

const LOCAL_PREFIX = "local_";
const ALIASES: Readonly<Record<string, LocalToolKey>> = { mcp_handler_play_music: "play_music" };

interface Catalog {
  descriptors: ToolDescriptor[];
  byKey: Map<string, { tool: LocalTool; schema: z.ZodObject }>;
}

// Built once per config object: schemas and JSON Schemas do not change while the config does not.
const catalogs = new WeakMap<ServiceConfig, Catalog>();

function catalogFor(config: ServiceConfig): Catalog {
  let catalog = catalogs.get(config);
  if (catalog) return catalog;
  catalog = { descriptors: [], byKey: new Map() };
  for (const tool of LOCAL_TOOLS) {
    const toggle = config.local_tools[tool.key];
    if (!toggle?.enabled || !tool.available(config)) continue;
    const schema = tool.schema(config);
    catalog.byKey.set(tool.key, { tool, schema });
    catalog.descriptors.push({
      name: LOCAL_PREFIX + tool.key,
      description: toggle.description ?? tool.description(config),
      input_schema: inputSchema(schema),
      source: "local",
      original_name: tool.key,
    });
  }
  catalogs.set(config, catalog);
  return catalog;
}

function inputSchema(schema: z.ZodObject): ToolDescriptor["input_schema"] {
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, { io: "input" }) as Record<string, unknown>;
  return {
    ...json,
    type: "object",
    properties: (json.properties as Record<string, unknown>) ?? {},
    required: (json.required as string[]) ?? [],
  };
}

export class LocalToolSource implements ToolSource {
  readonly kind = "local" as const;
  /** Each tool's zod schema checks its arguments, with messages of its own (and the play_music alias's `song`). */
  readonly checksArguments = true;

  constructor(private readonly config: ServiceConfig) {}

  async listTools(): Promise<SourceListing[]> {
    return [{ source: "local", kind: "local", status: "ok", tools: catalogFor(this.config).descriptors }];
  }

  /** The listed tool an unlisted alias stands for. */
  resolveAlias(name: string): ToolDescriptor | undefined {
    const key = ALIASES[name];
    return key && catalogFor(this.config).descriptors.find((d) => d.original_name === key);
  }

  async callTool(tool: ToolDescriptor, args: Record<string, unknown>, _options: CallOptions): Promise<ExecutionResult> {
    const entry = catalogFor(this.config).byKey.get(tool.original_name);
    if (!entry) return executionError("tool_error", `local tool ${tool.name} is not enabled`);
    const parsed = entry.schema.safeParse(normalizeArgs(entry.tool.key, args));
    if (!parsed.success) return invalidArguments(tool.name, fieldIssues(parsed.error, "arguments"));
    return entry.tool.run(parsed.data, { config: this.config, now: new Date() });
  }
}

/** The seed's callers send `{"song": ...}` for play_music; the tool's own argument is `song_name`. */
function normalizeArgs(key: LocalToolKey, args: Record<string, unknown>): Record<string, unknown> {
  if (key === "play_music" && args.song_name === undefined && args.song !== undefined) {
    const { song, ...rest } = args;
    return { ...rest, song_name: song };
  }
  return args;
}
