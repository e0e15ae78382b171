import { assert, assertEquals } from "../../support/assert.ts";
import { type ExitFacts, exitOutcome } from "../../../lib/supervisor/workerExit.ts";
import { WORKER_EXIT_START_FAILED } from "../../../lib/supervisor/workerLaunch.ts";

const status = (code: number, signal: Deno.Signal | null = null): Deno.CommandStatus => ({
  success: code === 0,
  code,
  signal,
});

function facts(fields: Partial<ExitFacts>): ExitFacts & { asked: number } {
  const out = {
    status: status(1),
    outOfMemory: false,
    memoryMb: 256,
    asked: 0,
    restartInMs() {
      out.asked++;
      return 2500;
    },
    ...fields,
  };
  return out;
}

const cleared = { pid: null, socket_path: null, current_nickname: null };

Deno.test("worker exit: a crash restarts after the backoff's wait, which the row tells", () => {
  const crash = facts({ status: status(137, "SIGKILL") });
  assertEquals(exitOutcome(crash), {
    kind: "restart",
    waitMs: 2500,
    patch: {
      ...cleared,
      status: "reconnecting",
      last_error: "The IRC worker stopped unexpectedly (killed by SIGKILL); restarting in 2.5 s",
    },
  });
  assertEquals(crash.asked, 1, "the restart is counted once");
  const whole = exitOutcome(facts({ status: status(1), restartInMs: () => 60_000 }));
  assertEquals(
    whole.kind === "restart" && whole.patch.last_error,
    "The IRC worker stopped unexpectedly (exit code 1); restarting in 60 s",
  );
});

Deno.test("worker exit: out of memory, a failed start and a quit of its own are not restarted", () => {
  const oom = facts({ status: status(133, "SIGTRAP"), outOfMemory: true });
  assertEquals(exitOutcome(oom), {
    kind: "ended",
    patch: {
      ...cleared,
      status: "error",
      last_error: "The IRC worker ran out of memory (limit 256 MB); connect again to retry",
    },
  });
  // Out of memory wins over whatever code it died with, even 0.
  assertEquals(exitOutcome(facts({ status: status(0), outOfMemory: true })).kind, "ended");
  const failed = facts({ status: status(WORKER_EXIT_START_FAILED) });
  assertEquals(exitOutcome(failed), {
    kind: "ended",
    patch: {
      ...cleared,
      status: "error",
      last_error: "The IRC worker could not start; the app log says why",
    },
  });
  const quit = facts({ status: status(0) });
  assertEquals(exitOutcome(quit), { kind: "stopped" });
  for (const f of [oom, failed, quit]) assert(f.asked === 0, "no restart counted for an end");
});
