/**
 * @module bench/runtime-floor
 * `npm run bench:floor`: what the runtime alone costs a call, with none of the service's code. Serves a bare
 * probe Worker and Durable Object in workerd through Miniflare, on the Worker's own socket (as `npm run serve`
 * serves the service), and times,
 * one caller at a time, the same `echo` `tools/call` on the stock upstream: sent from Node directly; through the
 * Worker with its global `fetch()` (which Miniflare sends through an outbound worker of its own) and with a direct
 * network binding (what `npm run serve` gives the service); through the Worker and a Durable Object; and the same
 * with a storage write before the request (a Durable Object's output gate holds the request until the write is
 * safe). Beside them, the Worker answering at once. Prints the p50 and mean of each, alternating the paths round
 * by round so that a change in the machine's load falls on all of them.
 */
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { startStockUpstream } from "./peers.ts";
import { freePort } from "../scripts/service.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const CALLS = Number(process.env.BENCH_CALLS ?? 400);

const stock = await startStockUpstream();
const headers = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const post = (body: unknown, sessionHeaders: Record<string, string> = {}) =>
  fetch(stock.url, { method: "POST", headers: { ...headers, ...sessionHeaders }, body: JSON.stringify(body) });
const initialize = await post({
  jsonrpc: "2.0",
  id: 0,
  method: "initialize",
  params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "runtime-floor", version: "1" } },
});
const session = {
  "mcp-session-id": initialize.headers.get("mcp-session-id") ?? "",
  "mcp-protocol-version": "2025-11-25",
};
await initialize.text();
await (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session)).text();
const call = { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { message: "bench" } } };
const callInit = { method: "POST", headers: { ...headers, ...session }, body: JSON.stringify(call) };

// The probe: `/ok` answers at once; `/global` and `/net` call the upstream from the Worker; `/do` and `/do-write`
// from a Durable Object (the second after writing a row).
const script = `
import { DurableObject } from "cloudflare:workers";
const UPSTREAM = ${JSON.stringify(stock.url)};
const INIT = ${JSON.stringify(callInit)};
export class Probe extends DurableObject {
  async call(write) {
    if (write) {
      this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v INTEGER)");
      this.ctx.storage.sql.exec("INSERT OR REPLACE INTO t VALUES (1, ?)", Date.now());
    }
    return (await this.env.NET.fetch(UPSTREAM, INIT)).text();
  }
}
export default {
  async fetch(request, env) {
    const path = new URL(request.url).pathname;
    if (path === "/ok") return new Response("ok");
    if (path === "/global") return new Response(await (await fetch(UPSTREAM, INIT)).text());
    if (path === "/net") return new Response(await (await env.NET.fetch(UPSTREAM, INIT)).text());
    return new Response(await env.PROBE.getByName("probe").call(path === "/do-write"));
  },
};`;
const port = await freePort();
const miniflare = new Miniflare(
  convertV4MiniflareOptions({
    host: "127.0.0.1",
    port: 0,
    logRequests: false,
    workers: [
      {
        name: "runtime-floor",
        modules: true,
        script,
        compatibilityDate: "2025-09-01",
        serviceBindings: { NET: { network: { allow: ["public", "private", "local"] } } },
        durableObjects: { PROBE: { className: "Probe", useSQLite: true } },
        unsafeDirectSockets: [{ host: "127.0.0.1", port }],
      },
    ],
  }),
);
await miniflare.ready;
const base = `http://127.0.0.1:${port}`;

const paths: Array<[string, () => Promise<Response>]> = [
  ["Node → upstream (the floor)", () => fetch(stock.url, callInit)],
  ["Node → Worker, answered at once", () => fetch(`${base}/ok`)],
  ["Node → Worker → upstream, global fetch()", () => fetch(`${base}/global`)],
  ["Node → Worker → upstream, network binding", () => fetch(`${base}/net`)],
  ["Node → Worker → Durable Object → upstream", () => fetch(`${base}/do`)],
  ["… with a storage write before the request", () => fetch(`${base}/do-write`)],
];
const times = new Map<string, number[]>(paths.map(([name]) => [name, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, send] of paths) {
      for (let i = 0; i < 20; i++) await (await send()).text(); // warm
      for (let i = 0; i < CALLS; i++) {
        const started = performance.now();
        const response = await send();
        await response.text();
        if (!response.ok) throw new Error(`${name}: ${response.status}`);
        times.get(name)?.push(performance.now() - started);
      }
    }
  }
  console.log(`one caller, ${ROUNDS} rounds of ${CALLS} calls per path`);
  for (const [name, all] of times) {
    const sorted = [...all].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    const mean = all.reduce((sum, t) => sum + t, 0) / all.length;
    console.log(`${name.padEnd(48)} p50 ${p50.toFixed(2)} ms   mean ${mean.toFixed(2)} ms`);
  }
} finally {
  await miniflare.dispose();
  await stock.stop();
}
