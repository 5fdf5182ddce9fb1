/**
 * Runs a command against a fresh service: starts `npm start` on a free port with a temporary state directory,
 * sets XIAOZHI_MCP_SERVICE_URL and XIAOZHI_MCP_SERVICE_KEY for the command, runs it, stops the service, and exits
 * with the command's code.
 *
 * Usage: node scripts/with-service.ts [--var NAME=value]... [--state-dir DIR] -- <command> [args...]
 */
import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { startService, type RunningService } from "./service.ts";

const usage = "usage: node scripts/with-service.ts [--var NAME=value]... [--state-dir DIR] -- <command> [args...]";

export async function withService(command: string[], vars: Record<string, string> = {}, stateDir?: string): Promise<number> {
  const [program, ...args] = command;
  if (program === undefined) throw new Error(usage);
  let service: RunningService | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    void (service?.stop() ?? Promise.resolve()).then(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    service = await startService({ vars, stateDir });
    const env = { ...process.env, XIAOZHI_MCP_SERVICE_URL: service.url, XIAOZHI_MCP_SERVICE_KEY: service.apiKey };
    const child = spawn(program, args, { stdio: "inherit", env });
    return await new Promise<number>((resolve) => {
      child.once("error", (err) => {
        process.stderr.write(`could not run ${program}: ${err.message}\n`);
        resolve(127);
      });
      child.once("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
  } finally {
    await service?.stop();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values, positionals } = parseArgs({
    options: { var: { type: "string", multiple: true, default: [] }, "state-dir": { type: "string" } },
    allowPositionals: true,
  });
  const vars: Record<string, string> = {};
  for (const pair of values.var) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      console.error(`--var ${pair}: expected NAME=value\n${usage}`);
      process.exit(2);
    }
    vars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  if (positionals.length === 0) {
    console.error(usage);
    process.exit(2);
  }
  process.exit(await withService(positionals, vars, values["state-dir"]));
}
