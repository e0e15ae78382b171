/**
 * Outgoing flood control on its own: a burst, then one line per interval,
 * in order, nothing lost while the connection is down.
 */
import { assert, assertEquals, assertMatch, waitFor } from "../support/assert.ts";
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
  assertEquals(queue.send(lines), { ok: true, queued: true }, "some had to wait");
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
  assertEquals(queue.send(["JOIN #a"]), { ok: true, queued: false });
  assertEquals(written.length, 1);
  queue.stop();
});

Deno.test("outgoing queue: interval 0 turns flood control off", () => {
  const { sink, written } = recordingSink();
  const queue = new OutgoingQueue(sink, { burst: 1, intervalMs: 0 });
  assertEquals(queue.send(Array.from({ length: 50 }, (_, i) => `L${i}`)), { ok: true, queued: false });
  assertEquals(written.length, 50);
});

Deno.test("outgoing queue: lines wait while the connection is down, and lines sent 'ahead' go first", () => {
  const { sink, written } = recordingSink(false);
  const queue = new OutgoingQueue(sink, { burst: 10, intervalMs: 0 });
  assertEquals(queue.send(["PRIVMSG #a :typed while away"]), { ok: true, queued: true });
  assertEquals(written.length, 0);
  sink.setReady(true);
  queue.ahead(() => queue.send(["JOIN #a", "JOIN #b"]));
  assertEquals(written.map((w) => w.line), ["JOIN #a", "JOIN #b", "PRIVMSG #a :typed while away"]);
});

Deno.test("outgoing queue: while the connection is down, what waits is bounded in lines; beyond, a send is refused whole", () => {
  const { sink, written } = recordingSink(false);
  const queue = new OutgoingQueue(sink, { burst: 5, intervalMs: 0 }, { maxLines: 10, maxBytes: 1 << 20 });
  for (let i = 0; i < 4; i++) assertEquals(queue.send([`A${i}a`, `A${i}b`]), { ok: true, queued: true });
  // Three more lines would make 11: none of them is taken.
  const refused = queue.send(["B1", "B2", "B3"]);
  assert(!refused.ok);
  assertMatch(refused.error, /Too many lines waiting to be sent .*at most 10 lines/);
  assertEquals(queue.size, 8);
  assertEquals(queue.send(["C1", "C2"]), { ok: true, queued: true }, "exactly the bound fits");
  assert(!queue.send(["D"]).ok);
  // Once they are sent there is room again.
  sink.setReady(true);
  queue.drain();
  assertEquals(written.length, 10);
  assertEquals([queue.size, queue.bytes], [0, 0]);
  assertEquals(queue.send(["E"]), { ok: true, queued: false });
});

Deno.test("outgoing queue: what waits is bounded in bytes too", () => {
  const { sink } = recordingSink(false);
  // Each line costs its UTF-8 bytes and CRLF: 100 + 2.
  const queue = new OutgoingQueue(sink, { burst: 5, intervalMs: 1000 }, { maxLines: 1000, maxBytes: 1000 });
  const line = (c: string) => `PRIVMSG #a :${c.repeat(88)}`;
  assertEquals(new TextEncoder().encode(line("x")).length, 100);
  for (let i = 0; i < 9; i++) assert(queue.send([line("x")]).ok);
  assertEquals(queue.bytes, 918);
  const refused = queue.send([line("x")]);
  assert(!refused.ok);
  assertMatch(refused.error, /at most 1000 lines or 1000 bytes/);
  // Bytes, not characters: "é" is two.
  const small = new OutgoingQueue(sink, { burst: 5, intervalMs: 1000 }, { maxLines: 1000, maxBytes: 30 });
  assert(small.send(["é".repeat(14)]).ok, "28 + 2 bytes fit");
  assert(!small.send(["x"]).ok);
});

Deno.test("outgoing queue: with a long interval, the API cannot queue without end", () => {
  const { sink, written } = recordingSink();
  const queue = new OutgoingQueue(sink, { burst: 2, intervalMs: 60_000 });
  let taken = 0;
  let refusal: string | undefined;
  for (let i = 0; i < 10_000 && refusal === undefined; i++) {
    const result = queue.send([`PRIVMSG #a :${"x".repeat(400)} ${i}`]);
    if (result.ok) taken++;
    else refusal = result.error;
  }
  queue.stop();
  assert(refusal !== undefined, "refused at some point");
  assertEquals(written.length, 2, "the burst went out");
  assert(taken < 1000 && queue.bytes <= 256 * 1024, `${taken} taken, ${queue.bytes} bytes waiting`);
});

Deno.test("outgoing queue: lines within the pace are sent at once even beyond the bound", () => {
  const { sink, written } = recordingSink();
  const queue = new OutgoingQueue(sink, { burst: 20, intervalMs: 1000 }, { maxLines: 5, maxBytes: 1 << 20 });
  assertEquals(queue.send(Array.from({ length: 20 }, (_, i) => `L${i}`)), { ok: true, queued: false });
  assertEquals(written.length, 20);
  queue.stop();
});

Deno.test("outgoing queue: a flush before QUIT sends no more than the pace allows", () => {
  const { sink, written } = recordingSink(false);
  const queue = new OutgoingQueue(sink, { burst: 3, intervalMs: 2000 });
  assert(queue.send(Array.from({ length: 50 }, (_, i) => `PRIVMSG #a :${i}`)).ok);
  sink.setReady(true);
  queue.flush();
  queue.stop();
  assertEquals(written.map((w) => w.line), ["PRIVMSG #a :0", "PRIVMSG #a :1", "PRIVMSG #a :2"]);
  assertEquals(queue.size, 47, "the rest is left, and reported unsent");
  // With flood control off, the policy allows them all.
  const off = recordingSink(false);
  const unpaced = new OutgoingQueue(off.sink, { burst: 1, intervalMs: 0 });
  assert(unpaced.send(["a", "b", "c"]).ok);
  off.sink.setReady(true);
  unpaced.flush();
  assertEquals(off.written.length, 3);
});

Deno.test("outgoing queue: the worker's own lines (a rejoin) are queued past the bound, in order, at the pace", async () => {
  const { sink, written } = recordingSink(false);
  const queue = new OutgoingQueue(sink, { burst: 5, intervalMs: 20 }, { maxLines: 3, maxBytes: 1 << 20 });
  const rejoin = Array.from({ length: 10 }, (_, i) => `JOIN #c${i}`);
  sink.setReady(true);
  queue.ahead(() => {
    // What `send` refuses whole beyond the bound...
    assert(!queue.send(rejoin).ok);
    // ...`sendOwn` takes.
    queue.sendOwn(rejoin);
  });
  assertEquals(written.map((w) => w.line), rejoin.slice(0, 5), "the burst at once");
  assertEquals(queue.size, 5);
  await waitFor(() => written.length === 10, 5000, "the rest");
  assertEquals(written.map((w) => w.line), rejoin);
  assertEquals([queue.size, queue.bytes], [0, 0]);
});

Deno.test("outgoing queue: own lines wait while the connection is down and count against what clients may add", () => {
  const { sink, written } = recordingSink(false);
  const queue = new OutgoingQueue(sink, { burst: 5, intervalMs: 0 }, { maxLines: 3, maxBytes: 1 << 20 });
  queue.sendOwn(["JOIN #a,#b", "JOIN #c"]);
  assertEquals([queue.size, queue.bytes], [2, "JOIN #a,#b\r\nJOIN #c\r\n".length]);
  assertEquals(queue.send(["PRIVMSG #a :hi"]), { ok: true, queued: true });
  assert(!queue.send(["PRIVMSG #a :one too many"]).ok);
  sink.setReady(true);
  queue.drain();
  assertEquals(written.map((w) => w.line), ["JOIN #a,#b", "JOIN #c", "PRIVMSG #a :hi"]);
});
