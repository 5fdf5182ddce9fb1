/**
 * `node bench/relay-flood.ts [frames-per-second] [seconds]`: the session's responsiveness while its relay is
 * flooded, measured against the service as `npm start` runs it (issue 10). A relay is opened to a bound session
 * and sends a mix of frames the session drops or records (unmatched replies, notifications, text that is not
 * JSON, device requests, binary) at the given rate (1,000/s by default) while a `GET` of the session is started
 * every 50 ms. Prints the GET latencies before, during and after the flood; the target is a p50 under 100 ms
 * during it.
 */
import { bindBenchSession } from "./calls.ts";
import { DEV_KEY, startService } from "../scripts/service.ts";

const RATE = Number(process.argv[2] ?? 1_000);
const SECONDS = Number(process.argv[3] ?? 5);
const API_KEY = DEV_KEY;
const HEADERS = { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" };
const SESSION = "flood-bench";
const TARGET_P50_MS = 100;

const FRAMES: Array<(i: number) => string | Uint8Array> = [
  (i) => JSON.stringify({ type: "mcp", payload: { jsonrpc: "2.0", id: 900_000 + i, result: { content: [] } } }),
  (i) => JSON.stringify({ type: "mcp", payload: { jsonrpc: "2.0", method: "notifications/state_changed", params: { n: i } } }),
  () => "not json",
  (i) => JSON.stringify({ type: "mcp", payload: { jsonrpc: "2.0", id: i, method: "tools/list" } }),
  () => new Uint8Array(16),
];

/** The `i`th frame of the flood. */
function frame(i: number): string | Uint8Array {
  const make = FRAMES[i % FRAMES.length];
  return make ? make(i) : "";
}

interface Latencies {
  gets: number;
  p50_ms: number;
  p90_ms: number;
  max_ms: number;
}

/** Starts a GET of the session every 50 ms for `ms`, and reports how long they took (a GET gives up after 10 s). */
async function getLatencies(baseUrl: string, ms: number): Promise<Latencies> {
  const gets: Array<Promise<number>> = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const started = performance.now();
    gets.push(
      fetch(`${baseUrl}/api/v1/mcp/sessions/${SESSION}`, { headers: HEADERS, signal: AbortSignal.timeout(10_000) })
        .then((res) => res.text())
        .then(
          () => performance.now() - started,
          () => 10_000,
        ),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const sorted = (await Promise.all(gets)).sort((a, b) => a - b);
  const at = (q: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN);
  return { gets: sorted.length, p50_ms: at(0.5), p90_ms: at(0.9), max_ms: at(1) };
}

async function main(): Promise<void> {
  const service = await startService({ vars: { RATE_LIMITS: "off" } });
  try {
    await bindBenchSession(service.url, SESSION, API_KEY);
    // Node's WebSocket (undici) takes request headers as a non-standard option.
    const relayUrl = `${service.url.replace(/^http/, "ws")}/api/v1/mcp/sessions/${SESSION}/relay`;
    const ws = new WebSocket(relayUrl, { headers: { Authorization: `Bearer ${API_KEY}` } });
    await new Promise<void>((resolve, reject) => {
      ws.onopen = () => resolve();
      ws.onerror = () => reject(new Error(`could not open the relay at ${relayUrl}`));
    });

    const before = await getLatencies(service.url, 2_000);
    let sent = 0;
    const started = Date.now();
    const sender = setInterval(() => {
      const due = Math.floor(((Date.now() - started) * RATE) / 1000);
      for (; sent < due; sent++) ws.send(frame(sent));
    }, 2);
    const during = await getLatencies(service.url, SECONDS * 1000);
    clearInterval(sender);
    const floodMs = Date.now() - started;
    const after = await getLatencies(service.url, 2_000);
    ws.close(1000, "done");

    console.log(JSON.stringify({ rate_per_s: RATE, sent, flood_ms: floodMs, before, during, after }, null, 2));
    const met = during.p50_ms < TARGET_P50_MS;
    console.log(`GET p50 during the flood: ${during.p50_ms} ms (target < ${TARGET_P50_MS} ms): ${met ? "met" : "NOT met"}`);
  } finally {
    await service.stop();
  }
}

await main();
