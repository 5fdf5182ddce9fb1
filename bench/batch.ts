/**
 * `node bench/batch.ts [rounds]`: three external calls as one batch against the same three as sequential executes,
 * against the service as `npm start` runs it and a real upstream on loopback (issue 14). Two mixes: three `echo`s
 * (the round trips saved), and three 300 ms `trigger-long-running-operation`s (the calls overlapping). Prints each
 * side's median latency over the rounds (20 by default) and the ratio sequential / batch.
 */
import { DEV_KEY, startService } from "../scripts/service.ts";
import { startUpstream } from "./upstream.ts";

const ROUNDS = Number(process.argv[2] ?? 20);
const HEADERS = { Authorization: `Bearer ${DEV_KEY}`, "Content-Type": "application/json" };
const SESSION = "batch-bench";

interface Call {
  tool_name: string;
  arguments: Record<string, unknown>;
}

const ECHOES = [1, 2, 3].map((n) => ({ tool_name: "mcp_echo", arguments: { message: `bench ${n}` } }));

const MIXES: Record<string, Call[]> = {
  "3 × echo": ECHOES,
  "3 × 300 ms tool": [1, 2, 3].map(() => ({
    tool_name: "mcp_trigger-long-running-operation",
    arguments: { duration: 0.3, steps: 1 },
  })),
};

async function post(url: string, body: unknown): Promise<unknown> {
  const res = await fetch(url, { method: "POST", headers: HEADERS, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The time `work` takes, in milliseconds. */
async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

async function main(): Promise<void> {
  const upstream = await startUpstream();
  const mcpServers = { mcpServers: { everything: { url: upstream.url, transport: "streamable-http" } } };
  const service = await startService({ vars: { MCP_SERVERS: JSON.stringify(mcpServers), RATE_LIMITS: "off" } });
  try {
    const api = `${service.url}/api/v1/mcp`;
    await post(`${api}/sessions/${SESSION}/bind`, { device_id: "bench-device", client_id: "bench-client" });
    const execute = (call: Call) =>
      post(`${api}/tools/${call.tool_name}/execute`, { session_id: SESSION, arguments: call.arguments });
    const batch = (calls: Call[]) => post(`${api}/tools/batch`, { session_id: SESSION, calls });
    // Connected and listed once, so that neither side pays for the first connection.
    await Promise.all(ECHOES.map(execute));
    for (const [name, calls] of Object.entries(MIXES)) {
      const sequential: number[] = [];
      const batched: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        sequential.push(
          await timed(async () => {
            for (const call of calls) await execute(call);
          }),
        );
        batched.push(
          await timed(async () => {
            await batch(calls);
          }),
        );
      }
      const [seq, one] = [median(sequential), median(batched)];
      console.log(
        `${name}: sequential executes p50 ${seq.toFixed(1)} ms, one batch p50 ${one.toFixed(1)} ms, ratio ${(seq / one).toFixed(2)}× (${ROUNDS} rounds)`,
      );
    }
  } finally {
    await service.stop();
    await upstream.stop();
  }
}

await main();
