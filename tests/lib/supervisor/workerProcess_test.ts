import { assert, assertEquals } from "../../support/assert.ts";
import {
  describeExit,
  forwardOutput,
  settlesWithin,
  signalChild,
  waitUntil,
} from "../../../lib/supervisor/workerProcess.ts";

Deno.test("worker process: each line of a worker's output reaches onLine, split across reads or not ended", async () => {
  const encoder = new TextEncoder();
  const stream = ReadableStream.from(
    ["first li", "ne\nsecond\n\nthird ", "and é last"].map((s) => encoder.encode(s)),
  );
  const lines: string[] = [];
  const original = console.error;
  console.error = () => {}; // the tagged copies go to the app's log
  try {
    await forwardOutput(7, stream, "error", (line) => lines.push(line));
  } finally {
    console.error = original;
  }
  assertEquals(lines, ["first line", "second", "third and é last"]);
});

Deno.test("worker process: how a process ended, in words", async () => {
  const exited = await new Deno.Command(Deno.execPath(), { args: ["eval", "Deno.exit(3)"] }).output();
  assertEquals(describeExit(exited), "exit code 3");
  const child = new Deno.Command(Deno.execPath(), { args: ["eval", "setTimeout(() => {}, 30_000)"] }).spawn();
  signalChild(child, "SIGKILL");
  const killed = await child.status;
  assertEquals(describeExit(killed), "killed by SIGKILL");
  signalChild(child, "SIGKILL"); // gone already: no error
});

Deno.test("worker process: bounded waits say whether what they waited for came", async () => {
  assertEquals(await settlesWithin(Promise.resolve(), 1000), true);
  assertEquals(await settlesWithin(Promise.reject(new Error("x")).catch(() => {}), 1000), true);
  assertEquals(await settlesWithin(new Promise(() => {}), 50), false);
  let calls = 0;
  assertEquals(await waitUntil(() => Promise.resolve(++calls >= 3), 5000), true);
  assertEquals(calls, 3);
  assert(!await waitUntil(() => Promise.resolve(false), 100));
});
