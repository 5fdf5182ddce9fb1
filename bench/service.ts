/**
 * Starts the service for the bench the way `npm start` does (the same script, so the same config and
 * dev key), on a free port, with its own state directory and without per-request log lines.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rm } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

export interface RunningProcess {
  url: string;
  stop(): Promise<void>;
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

/** Polls `url` until it answers 200, or fails after `timeoutMs`. */
export async function waitForOk(url: string, timeoutMs: number, init?: RequestInit): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, init);
      await res.body?.cancel();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Spawns a command in its own process group, so stopping it stops its children too. */
export function spawnGroup(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): ChildProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  child.once("exit", (code) => {
    if (code) process.stderr.write(`${command} ${args.join(" ")} exited with ${code}:\n${output}\n`);
  });
  return child;
}

export function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    process.kill(-child.pid!, "SIGTERM");
    setTimeout(() => child.exitCode === null && process.kill(-child.pid!, "SIGKILL"), 5000).unref();
  });
}

/** `npm start` on a free port, with `vars` passed as extra `--var NAME:value` flags. */
export async function startService(root: string, vars: Record<string, string> = {}): Promise<RunningProcess> {
  const port = await freePort();
  const state = join(root, "bench", ".tmp", "state");
  await rm(state, { recursive: true, force: true });
  const extra = Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]);
  const child = spawnGroup(
    "npm",
    ["start", "--", "--port", String(port), "--persist-to", state, "--log-level", "warn", ...extra],
    { cwd: root },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForOk(`${url}/health`, 60_000);
  return { url, stop: () => stopGroup(child) };
}
