import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { RepeatingRun } from "../../lib/repeatingRun.ts";

Deno.test("repeating run: a run asking for no wait is run again, never beside itself", async () => {
  let runs = 0;
  let active = 0;
  let overlapped = false;
  const repeating = RepeatingRun.start(async () => {
    active++;
    if (active > 1) overlapped = true;
    await new Promise((r) => setTimeout(r, 5));
    active--;
    runs++;
    return 0;
  }, 0);
  await waitFor(() => runs >= 5, 5000, "five runs");
  await repeating.stop();
  assert(!overlapped, "a run started while the one before was under way");
});

Deno.test("repeating run: the first run waits for firstMs and a long wait is not run before it is due", async () => {
  let runs = 0;
  const repeating = RepeatingRun.start(() => {
    runs++;
    return Promise.resolve(60_000);
  }, 0);
  await waitFor(() => runs === 1, 5000, "the first run");
  // The next one is a minute away: a few timer turns later it still has not run.
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(runs, 1);
  await repeating.stop();

  let early = 0;
  const notYet = RepeatingRun.start(() => {
    early++;
    return Promise.resolve(0);
  }, 60_000);
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(early, 0, "the first run came before firstMs");
  // Stopping clears the pending timer (the test's leak check fails otherwise).
  await notYet.stop();
});

Deno.test("repeating run: stop waits for the run under way, which sees stopped, and none follows", async () => {
  let release!: () => void;
  const started = Promise.withResolvers<void>();
  let runs = 0;
  let sawStopped = false;
  let finished = false;
  const repeating = RepeatingRun.start(async () => {
    runs++;
    started.resolve();
    await new Promise<void>((r) => release = r);
    sawStopped = repeating.stopped;
    finished = true;
    return 0;
  }, 0);
  await started.promise;
  assert(!repeating.stopped);
  const stopping = repeating.stop();
  assert(repeating.stopped, "stopped is set as soon as stop is called");
  let stopResolved = false;
  stopping.then(() => stopResolved = true);
  await new Promise((r) => setTimeout(r, 20));
  assert(!stopResolved, "stop resolved before the run under way finished");
  release();
  await stopping;
  assert(finished && sawStopped, "the run finished and saw that it was stopped");
  await new Promise((r) => setTimeout(r, 20));
  assertEquals(runs, 1, "a run was scheduled after stop");
});

Deno.test("repeating run: stop before the first run means no run at all", async () => {
  let runs = 0;
  const repeating = RepeatingRun.start(() => {
    runs++;
    return Promise.resolve(0);
  }, 10);
  await repeating.stop();
  await new Promise((r) => setTimeout(r, 30));
  assertEquals(runs, 0);
});
