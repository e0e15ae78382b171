import { assertEquals, assertRejects } from "../../support/assert.ts";
import { SerialQueues } from "../../../lib/supervisor/serialQueues.ts";

// A task that ends when told to.
function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => open = resolve);
  return { wait, open };
}

Deno.test("serial queues: one key's tasks run one after the other, other keys' meanwhile", async () => {
  const queues = new SerialQueues<number>();
  const order: string[] = [];
  const first = gate();
  const a1 = queues.run(1, async () => {
    order.push("1a start");
    await first.wait;
    order.push("1a end");
  });
  const a2 = queues.run(1, () => {
    order.push("1b");
    return Promise.resolve("b");
  });
  const b = queues.run(2, () => {
    order.push("2");
    return Promise.resolve();
  });
  await b;
  assertEquals(order, ["1a start", "2"], "server 2 does not wait for server 1");
  first.open();
  await a1;
  assertEquals(await a2, "b");
  assertEquals(order, ["1a start", "2", "1a end", "1b"]);
});

Deno.test("serial queues: a failed task rejects its caller only, and the next runs", async () => {
  const queues = new SerialQueues<string>();
  const failed = queues.run("s", () => Promise.reject(new Error("refused")));
  const next = queues.run("s", () => Promise.resolve(2));
  await assertRejects(() => failed, Error, "refused");
  assertEquals(await next, 2);
});

Deno.test("serial queues: settled waits for every task queued so far, and the queues empty", async () => {
  const queues = new SerialQueues<number>();
  const slow = gate();
  let done = false;
  queues.run(1, async () => {
    await slow.wait;
    done = true;
  });
  queues.run(2, () => Promise.reject(new Error("x"))).catch(() => {});
  assertEquals(queues.size, 2);
  const settled = queues.settled();
  slow.open();
  await settled;
  assertEquals(done, true);
  await Promise.resolve();
  assertEquals(queues.size, 0);
});
