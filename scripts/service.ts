/**
 * The one way our scripts start the service: `npm start` (the same script, so the same config and dev key) on a
 * free port, with its own state directory, its output kept quiet unless it fails; or, with `runner: "serve"`,
 * `npm run serve` (scripts/serve.ts: the same Worker in workerd without the dev proxy). Used by the bench, the buf
 * curl smoke test, `scripts/with-service.ts` (and through it the clients' suites) and the demo.
 * Runs with Node's type stripping (Node 22, which npm scripts put first on PATH).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root (where package.json is). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The key `npm start` accepts (passed there with `--var API_KEYS:…`). */
export const DEV_KEY = "dev-local-key";

/** The `GET /metrics` scrape credential `npm start` sets (`--var METRICS_TOKEN:…`). */
export const DEV_METRICS_TOKEN = "dev-metrics-token";

/** `dev`: `npm start` (`wrangler dev`); `serve`: `npm run serve` (workerd through Miniflare, no dev proxy). */
export type Runner = "dev" | "serve";

export interface ServiceOptions {
  /** Which command serves the Worker; default `dev`. */
  runner?: Runner;
  /** The repository to run `npm start` in; default {@link ROOT}. */
  root?: string;
  /** Where local Durable Objects and KV persist; default a new temporary directory, removed on stop. A given one
   * is emptied first (unless `keepState`) and kept on stop. */
  stateDir?: string;
  /** Start on the state a previous run left in `stateDir` (a restart: sessions survive it). */
  keepState?: boolean;
  /** Extra `--var NAME:value` flags (e.g. MCP_SERVERS). */
  vars?: Record<string, string>;
  /** Default: a free one. */
  port?: number;
  /** wrangler's `--log-level` (`dev` only); default "warn" (no line per request). */
  logLevel?: "debug" | "info" | "log" | "warn" | "error" | "none";
  /** `serve` only: open a DevTools inspector of the Worker on this port (bench/profile.ts records a CPU profile). */
  inspectorPort?: number;
  /** How long to wait for `/health` to answer 200; default 90 s. */
  readyTimeoutMs?: number;
}

export interface RunningService {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  apiKey: string;
  stateDir: string;
  /** Stops wrangler (or serve.ts) and workerd (the whole process group); removes a temporary state directory. */
  stop(): Promise<void>;
}

/** `npm start` on a free port with its own state directory, resolved once `/health` answers 200. */
export async function startService(options: ServiceOptions = {}): Promise<RunningService> {
  const root = options.root ?? ROOT;
  const port = options.port ?? (await freePort());
  const temporary = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), "xiaozhi-mcp-state-")));
  if (!temporary && !options.keepState) await rm(stateDir, { recursive: true, force: true });
  const vars = Object.entries(options.vars ?? {}).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  if (options.inspectorPort !== undefined) vars.push("--inspector-port", String(options.inspectorPort));
  const child =
    options.runner === "serve"
      ? spawnGroup(
          process.execPath,
          [join(root, "scripts", "serve.ts"), "--port", String(port), "--persist-to", stateDir, ...vars],
          {
            cwd: root,
          },
        )
      : spawnGroup(
          "npm",
          ["start", "--", "--port", String(port), "--inspector-port", "0", "--persist-to", stateDir].concat(
            "--log-level",
            options.logLevel ?? "warn",
            ...vars,
          ),
          { cwd: root },
        );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopGroup(child);
    if (temporary) await rm(stateDir, { recursive: true, force: true });
  };
  try {
    await waitForOk(`${url}/health`, options.readyTimeoutMs ?? 90_000, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, port, apiKey: DEV_KEY, stateDir, stop };
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200; fails after `timeoutMs`, or at once if `child` exits first. */
export async function waitForOk(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode} before ${url} answered`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Spawns a command in its own process group (so stopping it stops its children), printing its last output if it
 * fails. */
export function spawnGroup(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stopping = false;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", (code) => {
    if (code && !stopping) process.stderr.write(`${command} ${args.join(" ")} exited with ${code}:\n${output}\n`);
  });
  groupStopping.set(child, () => (stopping = true));
  return child;
}

const groupStopping = new WeakMap<ChildProcess, () => void>();

/** SIGTERM to the group, SIGKILL after 5 s; resolves when the group leader has exited. */
export function stopGroup(child: ChildProcess): Promise<void> {
  groupStopping.get(child)?.();
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  const pid = child.pid;
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // already gone
      }
    };
    kill("SIGTERM");
    setTimeout(() => child.exitCode === null && child.signalCode === null && kill("SIGKILL"), 5000).unref();
  });
}
