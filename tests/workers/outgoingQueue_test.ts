/**
 * Outgoing flood control on its own: a burst, then one line per interval,
 * in order, nothing lost while the connection is down.
 */
import { assert, assertEquals, waitFor } from "../support/assert.ts";
import { OutgoingQueue } from "../../workers/outgoingQueue.ts";

/** Where the queue's lines go: a list, with the time each was written. */
function recordingSink(ready = true) {
  const written: { line: string; at: number }[] = [];
  const sink = {
    ready: () => ready,
    write: (line: string) => void written.push({ line, at: performance.now() }),
    setReady(value: boolean) {
      ready = value;
    },
  };
  return { sink, written };
}

Deno.test("outgoing queue: a burst at once, then one line per interval, in order", async () => {
  const { sink, written } = recordingSink();
  const queue = new OutgoingQueue(sink, { burst: 3, intervalMs: 100 });
  const lines = Array.from({ length: 8 }, (_, i) => `PRIVMSG #a :${i}`);
  assertEquals(queue.send(lines), true, "some had to wait");
  assertEquals(written.map((w) => w.line), lines.slice(0, 3));
  await waitFor(() => written.length === 8, 5000, "every line");
  assertEquals(written.map((w) => w.line), lines);
  // A token bucket: in any stretch of time at most `burst + elapsed / interval`
  // lines (a late timer may let the next line follow sooner, never more).
  for (let i = 0; i < 8; i++) {
    for (let j = i + 3; j < 8; j++) {
      const elapsed = written[j].at - written[i].at;
      const least = (j - i + 1 - 3) * 100 - 2; // timers round to the millisecond
      assert(elapsed >= least, `lines ${i}..${j} came ${elapsed.toFixed(1)} ms apart, under ${least} ms`);
    }
  }
});

Deno.test("outgoing queue: a line that fits the burst is sent at once and not reported queued", () => {
  const { sink, written } = recordingSink();
  const queue = new OutgoingQueue(sink, { burst: 5, intervalMs: 2000 });
  assertEquals(queue.send(["JOIN #a"]), false);
  assertEquals(written.length, 1);
  queue.stop();
});

Deno.test("outgoing queue: interval 0 turns flood control off", () => {
  const { sink, written } = recordingSink();
  const queue = new OutgoingQueue(sink, { burst: 1, intervalMs: 0 });
  assertEquals(queue.send(Array.from({ length: 50 }, (_, i) => `L${i}`)), false);
  assertEquals(written.length, 50);
});

Deno.test("outgoing queue: lines wait while the connection is down, and lines sent 'ahead' go first", () => {
  const { sink, written } = recordingSink(false);
  const queue = new OutgoingQueue(sink, { burst: 10, intervalMs: 0 });
  assertEquals(queue.send(["PRIVMSG #a :typed while away"]), true);
  assertEquals(written.length, 0);
  sink.setReady(true);
  queue.ahead(() => queue.send(["JOIN #a", "JOIN #b"]));
  assertEquals(written.map((w) => w.line), ["JOIN #a", "JOIN #b", "PRIVMSG #a :typed while away"]);
});
