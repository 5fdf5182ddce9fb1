/**
 * @module bench/proc-cpu
 * The CPU time of this machine's processes, read from /proc (Linux), for the scripts that divide it by the calls
 * they made: each process with its command line and process group.
 */
import { readdir, readFile } from "node:fs/promises";

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

export interface ProcessCpu {
  pid: number;
  /** The command line, its arguments separated by NUL characters. */
  cmdline: string;
  pgrp: string;
  /** User and system CPU spent so far, in ms. */
  cpuMs: number;
}

/** Every process readable now, with the CPU it has spent (processes that exit meanwhile are left out). */
export async function processCpu(): Promise<ProcessCpu[]> {
  const pids = (await readdir("/proc")).filter((entry) => /^\d+$/.test(entry));
  const all = await Promise.all(
    pids.map(async (pid) => {
      try {
        const [cmdline, stat] = await Promise.all([
          readFile(`/proc/${pid}/cmdline`, "utf8"),
          readFile(`/proc/${pid}/stat`, "utf8"),
        ]);
        // Fields after the parenthesised command: state, ppid, pgrp, …, utime (14th field), stime (15th).
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const cpuMs = ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_S) * 1000;
        return { pid: Number(pid), cmdline, pgrp: fields[2] ?? "", cpuMs };
      } catch {
        return null; // exited meanwhile
      }
    }),
  );
  return all.filter((entry) => entry !== null);
}
