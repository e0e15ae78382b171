/**
 * Looking at and signalling processes that are not the test's children
 * (workers started by a supervisor or by an app process). The tests run
 * without full `--allow-run`, which `Deno.kill` needs, and without read
 * access to `/proc`; a short `deno eval` (which has every permission) does
 * the looking instead.
 *
 * @module
 */

/** Runs `code` in a `deno eval` with every permission and returns what it printed, trimmed. */
export async function evaluate(code: string): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * Whether `pid` is a live process. A zombie (exited, not yet reaped) counts
 * as gone: it holds no socket and no connection any more.
 */
export async function processAlive(pid: number): Promise<boolean> {
  const answer = await evaluate(`
    try {
      const stat = Deno.readTextFileSync("/proc/${pid}/stat");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      console.log(state === "Z" || state === "X" ? "gone" : "alive");
    } catch {
      console.log("gone");
    }`);
  return answer === "alive";
}

/** Sends `signal` to `pid` (a `kill -9` by default). */
export async function killProcess(pid: number, signal: Deno.Signal = "SIGKILL"): Promise<void> {
  await evaluate(`Deno.kill(${pid}, ${JSON.stringify(signal)})`);
}

/** The command line of `pid`, one argument per item (empty when it is gone). */
export async function processArguments(pid: number): Promise<string[]> {
  const answer = await evaluate(`
    try {
      console.log(JSON.stringify(Deno.readTextFileSync("/proc/${pid}/cmdline").split("\\0").filter(Boolean)));
    } catch {
      console.log("[]");
    }`);
  return JSON.parse(answer);
}

/** The pids of the children of `pid` (none when it is gone). */
export async function childPids(pid: number): Promise<number[]> {
  const answer = await evaluate(`
    const pids = [];
    try {
      for (const task of Deno.readDirSync("/proc/${pid}/task")) {
        const text = Deno.readTextFileSync("/proc/${pid}/task/" + task.name + "/children").trim();
        if (text !== "") pids.push(...text.split(/\\s+/).map(Number));
      }
    } catch { /* gone */ }
    console.log(JSON.stringify(pids));`);
  return JSON.parse(answer);
}
