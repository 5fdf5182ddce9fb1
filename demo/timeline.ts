/**
 * The demo's readable sequence: who sent what to whom, with the time since the start, and the steps the
 * conversation must reach (checked at the end).
 */
export type Actor = "demo" | "device" | "gateway" | "llm" | "service" | "upstream";

const WIDTH = 8;
const colours = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string) => (colours ? `\x1b[${code}m${text}\x1b[0m` : text);
const ACTOR_COLOUR: Record<Actor, number> = { demo: 90, device: 36, gateway: 33, llm: 35, service: 32, upstream: 34 };

export class Timeline {
  readonly #start = Date.now();
  readonly #steps = new Map<string, { description: string; at?: number; detail?: string }>();

  /** The steps to reach, in order. */
  constructor(steps: Record<string, string>) {
    for (const [name, description] of Object.entries(steps)) this.#steps.set(name, { description });
  }

  /** `from → to  text` (to omitted: something `from` did or noticed). */
  say(from: Actor, to: Actor | undefined, text: string): void {
    const seconds = ((Date.now() - this.#start) / 1000).toFixed(2).padStart(7);
    const who = paint(ACTOR_COLOUR[from], from.padEnd(WIDTH));
    const whom = to ? `→ ${paint(ACTOR_COLOUR[to], to.padEnd(WIDTH))}` : " ".repeat(WIDTH + 2);
    console.log(`${paint(90, `+${seconds}s`)}  ${who} ${whom} ${text}`);
  }

  /** A heading between the conversation's parts. */
  section(title: string): void {
    console.log(`\n${paint(1, `── ${title}`)}`);
  }

  /** Marks a step as reached. */
  reached(step: string, detail?: string): void {
    const entry = this.#steps.get(step);
    if (!entry) throw new Error(`unknown step ${step}`);
    if (entry.at === undefined) entry.at = Date.now() - this.#start;
    if (detail) entry.detail = detail;
  }

  /** Prints the checklist; answers the steps not reached. */
  summary(): string[] {
    console.log(`\n${paint(1, "── steps")}`);
    const missing: string[] = [];
    for (const [name, entry] of this.#steps) {
      const ok = entry.at !== undefined;
      if (!ok) missing.push(name);
      const mark = ok ? paint(32, "✔") : paint(31, "✖");
      const when = ok ? `+${(entry.at! / 1000).toFixed(2)}s` : "missing";
      console.log(`  ${mark} ${name.padEnd(15)} ${entry.description}${entry.detail ? `: ${entry.detail}` : ""}  (${when})`);
    }
    return missing;
  }
}

/** A compact one-line rendering of a JSON value, cut at `max` characters. */
export function brief(value: unknown, max = 110): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

type Json = Record<string, unknown>;

/** An MCP frame in a few words: `tools/call self.audio_speaker.set_volume {"volume":35} (id 3)`. */
export function describeMcp(frame: string): string {
  try {
    return describePayload((JSON.parse(frame) as Json).payload as Json);
  } catch {
    return brief(frame);
  }
}

export function describePayload(payload: Json): string {
  const id = payload.id === undefined ? "" : ` (id ${JSON.stringify(payload.id)})`;
  const params = (payload.params ?? {}) as Json;
  if (payload.method === "tools/call") return `tools/call ${String(params.name)} ${JSON.stringify(params.arguments ?? {})}${id}`;
  if (payload.method === "tools/list")
    return `tools/list${typeof params.cursor === "string" ? ` cursor ${params.cursor}` : ""}${id}`;
  if (typeof payload.method === "string") return `${payload.method}${id}`;
  if (payload.error) return `error${id}: ${String((payload.error as Json).message)}`;
  const result = (payload.result ?? {}) as Json;
  if (Array.isArray(result.tools)) return `result${id}: ${result.tools.length} tools${result.nextCursor ? ", more" : ""}`;
  if (result.serverInfo) return `result${id}: serverInfo ${JSON.stringify(result.serverInfo)}`;
  const content = result.content as Array<{ text?: string }> | undefined;
  if (content) return `result${id}: "${brief(content[0]?.text ?? "", 70)}"`;
  return `result${id}: ${brief(result, 70)}`;
}
