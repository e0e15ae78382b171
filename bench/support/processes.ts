/**
 * Looking at processes from outside: their proportional memory (PSS, from
 * `/proc/<pid>/smaps_rollup`), the machine the bench runs on, and the bare
 * `deno run` baselines.
 *
 * Deno refuses to read `/proc/<pid>/...` without `--allow-all`, which the
 * bench does not have; a short `deno eval` (which has every permission)
 * reads it instead, through `tests/support/process.ts`, as for the tests.
 *
 * @module
 */
import { evaluate } from "../../tests/support/process.ts";

const SUPPORT = new URL(".", import.meta.url).pathname;

async function evalJson<T>(code: string): Promise<T> {
  return JSON.parse(await evaluate(code)) as T;
}

/** PSS of each process in MiB (`NaN` for one that is gone). */
export async function pssMiB(pids: readonly number[]): Promise<Map<number, number>> {
  const kib = await evalJson<Record<string, number | null>>(`
    const out = {};
    for (const pid of ${JSON.stringify(pids)}) {
      try {
        const text = Deno.readTextFileSync("/proc/" + pid + "/smaps_rollup");
        out[pid] = Number(/^Pss:\\s+(\\d+) kB/m.exec(text)[1]);
      } catch {
        out[pid] = null;
      }
    }
    console.log(JSON.stringify(out));`);
  return new Map(pids.map((pid) => [pid, kib[pid] === null ? NaN : kib[pid]! / 1024]));
}

/** The parent of each process (`NaN` for one that is gone). */
export async function parentPids(pids: readonly number[]): Promise<Map<number, number>> {
  const parents = await evalJson<Record<string, number | null>>(`
    const out = {};
    for (const pid of ${JSON.stringify(pids)}) {
      try {
        // The command may hold spaces and parentheses: the fields after its last ")".
        const stat = Deno.readTextFileSync("/proc/" + pid + "/stat");
        out[pid] = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      } catch {
        out[pid] = null;
      }
    }
    console.log(JSON.stringify(out));`);
  return new Map(pids.map((pid) => [pid, parents[pid] ?? NaN]));
}

/** What the figures were measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  /** 1, 5 and 15 minute load averages when the run started (others share the machine). */
  loadAverage: number[];
  kernel: string;
  deno: string;
  v8: string;
}

/** Describes this machine. */
export async function describeMachine(): Promise<Machine> {
  const info = await evalJson<{ cpu: string; memKiB: number; load: number[]; kernel: string }>(`
    const cpu = /^model name\\s*:\\s*(.*)$/m.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? "unknown";
    const memKiB = Number(/^MemTotal:\\s+(\\d+)/m.exec(Deno.readTextFileSync("/proc/meminfo"))?.[1] ?? 0);
    console.log(JSON.stringify({ cpu, memKiB, load: Deno.loadavg(), kernel: Deno.osRelease() }));`);
  return {
    cpu: info.cpu,
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(info.memKiB / 1024 / 1024 * 10) / 10,
    loadAverage: info.load.map((l) => Math.round(l * 100) / 100),
    kernel: info.kernel,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

/** A process the bench started and reads from outside: its pid, and how to end it. */
export interface IdleProcess {
  pid: number;
  /** Kills it (SIGKILL) and waits for its exit. */
  stop(): Promise<void>;
}

/** `child` as an {@link IdleProcess}. */
export function killable(child: Deno.ChildProcess): IdleProcess {
  return {
    pid: child.pid,
    async stop() {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    },
  };
}

/** Starts `deno run` of a script that only waits (the memory baseline). */
export function spawnIdle(): IdleProcess {
  return killable(
    new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `${SUPPORT}idle.ts`],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn(),
  );
}

/** Milliseconds from spawning `deno run` of an empty script to its exit (the start-up baseline). */
export async function timeBareRun(): Promise<number> {
  const start = performance.now();
  const status = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", `${SUPPORT}empty.ts`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
  if (!status.success) throw new Error("deno run of an empty script failed");
  return performance.now() - start;
}
