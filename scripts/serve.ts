/**
 * @module scripts/serve
 * `npm run serve`: the Worker in workerd as production runs it, on its own socket: neither `wrangler dev`'s proxy
 * nor Miniflare's entry worker in front of it, and its upstream requests straight to the network. The
 * Worker is bundled once as `wrangler deploy` bundles it (`--dry-run --outdir`), and served by Miniflare's API
 * (the package wrangler itself runs on) with the bindings wrangler.toml declares, and with local Durable Object and
 * KV storage persisted where `npm start` keeps it (`--persist-to`, default `.wrangler/state`): the two read and
 * write the same sessions. No reload on edits; the Worker's own JSON log lines on standard output.
 *
 * Flags (the ones `npm start` takes that matter here): `--port` (default 8787), `--ip` (default 127.0.0.1),
 * `--persist-to DIR`, `--var NAME:value` (repeatable; `API_KEYS` defaults to `npm start`'s dev key, as there),
 * `--inspector-port` (none by default: a DevTools inspector of the Worker, for CPU profiles).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { convertV4MiniflareOptions, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { DEV_KEY, ROOT } from "./service.ts";

const run = promisify(execFile);

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8787" },
    ip: { type: "string", default: "127.0.0.1" },
    "persist-to": { type: "string", default: join(ROOT, ".wrangler", "state") },
    var: { type: "string", multiple: true, default: [] },
    "inspector-port": { type: "string" },
  },
});

/** `--var NAME:value` flags as bindings; `API_KEYS` is `npm start`'s dev key unless one is given. */
function varBindings(flags: string[]): Record<string, string> {
  const vars: Record<string, string> = { API_KEYS: JSON.stringify({ [DEV_KEY]: "local" }) };
  for (const flag of flags) {
    const at = flag.indexOf(":");
    if (at <= 0) throw new Error(`--var ${flag}: expected NAME:value`);
    vars[flag.slice(0, at)] = flag.slice(at + 1);
  }
  return vars;
}

/** Bundles the Worker as `wrangler deploy` would, into a new temporary directory; returns the module's path. */
async function bundle(): Promise<{ dir: string; script: string }> {
  const dir = await mkdtemp(join(tmpdir(), "xiaozhi-mcp-serve-"));
  await run(join(ROOT, "node_modules", ".bin", "wrangler"), ["deploy", "--dry-run", "--env", "", "--outdir", dir], {
    cwd: ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  return { dir, script: join(dir, "index.js") };
}

async function main(): Promise<void> {
  const vars = varBindings(values.var);
  const { dir, script } = await bundle();
  // Module rules are for bundling, done already (and Miniflare 5 no longer takes them).
  const { modulesRules, ...workerOptions } = unstable_getMiniflareWorkerOptions(join(ROOT, "wrangler.toml")).workerOptions;
  void modulesRules;
  const miniflare = new Miniflare(
    convertV4MiniflareOptions({
      // Miniflare's own entry socket (its entry worker emulates the edge in front of the Worker) on a port of its
      // choosing: requests reach the Worker on its own socket below.
      host: "127.0.0.1",
      port: 0,
      inspectorPort: values["inspector-port"] === undefined ? undefined : Number(values["inspector-port"]),
      resourcePersistencePath: join(values["persist-to"], "v3"),
      // The Worker writes its own `request` line per request; Miniflare's would cost a loopback request each.
      logRequests: false,
      workers: [
        {
          ...workerOptions,
          name: "xiaozhi-mcp-service",
          rootPath: dir,
          modules: true,
          scriptPath: script,
          // The Worker on its own socket, as workerd serves it in production: no JS worker in front of it.
          unsafeDirectSockets: [{ host: values.ip, port: Number(values.port) }],
          bindings: Object.assign({}, workerOptions.bindings, vars),
          // Upstream MCP requests go straight to the network (Env `UPSTREAM_NETWORK`), as on Cloudflare: Miniflare
          // sends the Worker's own fetch() through an outbound worker of its own first. HTTPS upstreams are checked
          // against the public CAs browsers trust, as Miniflare's own network service checks them.
          serviceBindings: {
            UPSTREAM_NETWORK: {
              network: { allow: ["public", "private", "local"], tlsOptions: { trustBrowserCas: true } },
            },
          },
        },
      ],
    }),
  );
  await miniflare.ready;
  const url = `http://${values.ip}:${values.port}/`;
  console.log(`serving ${url} (workerd, no dev proxy; state in ${values["persist-to"]})`);
  const stop = async () => {
    await miniflare.dispose();
    await rm(dir, { recursive: true, force: true });
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

await main();
