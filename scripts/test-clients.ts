/**
 * `npm run test:clients`: runs every `clients/<lang>/test.sh` through scripts/with-service.ts (each against its
 * own fresh service), shows its output, then one line per client — passed, failed, or SKIPPED with the reason the
 * script gave (a `SKIPPED <lang> client: <what is missing>` line and exit 0) — and exits 1 if any failed.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./service.ts";

interface Outcome {
  client: string;
  status: "passed" | "failed" | "SKIPPED";
  detail: string;
  seconds: number;
}

const clientsDir = join(ROOT, "clients");
const clients = existsSync(clientsDir)
  ? readdirSync(clientsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(clientsDir, entry.name, "test.sh")))
      .map((entry) => entry.name)
      .sort()
  : [];

const outcomes: Outcome[] = [];
for (const client of clients) outcomes.push(await runClient(client));

console.log("\nclients:");
for (const o of outcomes) {
  const detail = o.detail ? ` (${o.detail})` : "";
  console.log(`  ${o.client.padEnd(8)} ${o.status}${detail}  ${o.seconds.toFixed(1)} s`);
}
const count = (status: Outcome["status"]) => outcomes.filter((o) => o.status === status).length;
console.log(`clients: ${count("passed")} passed, ${count("failed")} failed, ${count("SKIPPED")} skipped`);
if (clients.length === 0) console.log("clients: none found under clients/");
process.exit(count("failed") > 0 ? 1 : 0);

function runClient(client: string): Promise<Outcome> {
  const started = Date.now();
  console.log(`\n=== clients/${client}/test.sh`);
  const runner = join(ROOT, "scripts", "with-service.ts");
  const child = spawn(process.execPath, [runner, "--", "bash", join(clientsDir, client, "test.sh")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    process.stdout.write(chunk);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    process.stderr.write(chunk);
  });
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      const seconds = (Date.now() - started) / 1000;
      const skipped = output.match(/^SKIPPED [^\n]*?client: *(.*)$/m);
      if (code === 0 && skipped) resolve({ client, status: "SKIPPED", detail: (skipped[1] ?? "").trim(), seconds });
      else if (code === 0) resolve({ client, status: "passed", detail: "", seconds });
      else resolve({ client, status: "failed", detail: signal ? `killed by ${signal}` : `exit ${code}`, seconds });
    });
  });
}
