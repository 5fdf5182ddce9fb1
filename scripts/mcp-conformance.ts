/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`) against a session's MCP endpoint
 * of the service as `npm start` runs it, for both protocol eras: the tools-only server scenarios must pass.
 *
 * Behind the service is scripts/conformance-upstream.ts (the tools the scenarios call), with
 * `EXTERNAL_TOOL_PREFIX` empty so its tools keep their names. The suite cannot send an `Authorization` header:
 * a small proxy on 127.0.0.1, living only as long as this script, adds the dev key to every request it forwards
 * (nothing changes in the service; its `Origin` check still sees the suite's `Origin`).
 *
 * Usage: npm run test:conformance
 */
import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import { startConformanceUpstream } from "./conformance-upstream.ts";
import { ROOT, startService } from "./service.ts";

/**
 * The server scenarios that apply to a tools-only server (the tools ones are the same at both revisions), by the
 * revision they are run at. Left out at 2026-07-28:
 * `caching` (it also asks prompts/list and the resources lists, which a tools-only server answers -32601; its
 * tools/list check passes) and `server-stateless` (it needs tools of the suite's own server, such as
 * `test_missing_capability`, which a session's tools do not include).
 */
const TOOLS_SCENARIOS = [
  "tools-list",
  "tools-call-simple-text",
  "tools-call-image",
  "tools-call-audio",
  "tools-call-embedded-resource",
  "tools-call-mixed-content",
  "tools-call-error",
  "json-schema-2020-12",
  "server-sse-multiple-streams",
  "dns-rebinding-protection",
];
const ALL_SCENARIOS: Record<string, string[]> = {
  "2025-11-25": ["server-initialize", "ping", ...TOOLS_SCENARIOS],
  "2026-07-28": [...TOOLS_SCENARIOS, "http-header-validation"],
};

/** `--only <scenario>` runs one scenario (at each revision that lists it). */
const only = process.argv.indexOf("--only") > 0 ? process.argv[process.argv.indexOf("--only") + 1] : undefined;
const SCENARIOS = Object.fromEntries(
  Object.entries(ALL_SCENARIOS).map(([version, names]) => [version, names.filter((n) => only === undefined || n === only)]),
);

const SESSION = "conformance";
const CLI = join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

const upstream = await startConformanceUpstream();
const service = await startService({
  vars: {
    MCP_SERVERS: JSON.stringify({ mcpServers: { conformance: { url: upstream.url, transport: "streamable-http" } } }),
    EXTERNAL_TOOL_PREFIX: "",
    RATE_LIMITS: "off",
  },
});
const target = `${service.url}/api/v1/mcp/sessions/${SESSION}/mcp`;
const proxy = createServer((req, res) => {
  forward(req, res).catch((error: unknown) => {
    if (!res.headersSent) res.writeHead(502).end(String(error));
  });
});
const failed: string[] = [];
try {
  const bound = await fetch(`${service.url}/api/v1/mcp/sessions/${SESSION}/bind`, {
    method: "POST",
    headers: { Authorization: `Bearer ${service.apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ device_id: "conformance", client_id: "conformance" }),
  });
  if (!bound.ok) throw new Error(`bind answered ${bound.status}: ${await bound.text()}`);
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/mcp`;
  for (const [version, scenarios] of Object.entries(SCENARIOS)) {
    for (const scenario of scenarios) {
      const run = await runCli(["server", "--url", url, "--scenario", scenario, "--spec-version", version]);
      const ok = run.status === 0;
      console.log(`${ok ? "pass" : "FAIL"}  ${version}  ${scenario}`);
      if (!ok) {
        failed.push(`${version} ${scenario}`);
        process.stdout.write(run.stdout.slice(-3000) + run.stderr.slice(-2000));
      }
    }
  }
} finally {
  proxy.closeAllConnections();
  proxy.close();
  await service.stop();
  await upstream.stop();
}
if (failed.length > 0) {
  console.error(`conformance: ${failed.length} scenario(s) failed: ${failed.join(", ")}`);
  process.exit(1);
}
console.log("conformance: every tools-only server scenario passed, for 2025-11-25 and 2026-07-28");

/** The suite's CLI, run without blocking this process (whose proxy serves it meanwhile). */
function runCli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Forwards one request to the session's endpoint with the dev key added, streaming both bodies. */
async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === "host" || name === "connection" || name === "content-length" || value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  headers.set("Authorization", `Bearer ${service.apiKey}`);
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const chunks: Buffer[] = [];
  if (hasBody) for await (const chunk of req) chunks.push(chunk as Buffer);
  const answer = await fetch(target, { method: req.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
  const out: Record<string, string> = {};
  answer.headers.forEach((value, name) => {
    if (name !== "content-encoding" && name !== "content-length" && name !== "transfer-encoding") out[name] = value;
  });
  res.writeHead(answer.status, out);
  if (!answer.body) return void res.end();
  const body = Readable.fromWeb(answer.body as WebReadableStream<Uint8Array>);
  res.on("close", () => body.destroy());
  body.pipe(res);
}
