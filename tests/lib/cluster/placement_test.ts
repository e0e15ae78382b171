import { assert, assertEquals } from "../../support/assert.ts";
import { type PlacementView, plan, quotas } from "../../../lib/cluster/placement.ts";
import type { InstanceInfo } from "../../../lib/cluster/instances.ts";

const instance = (id: string, weight = 1, maxWorkers = 200): InstanceInfo => ({
  id,
  url: `http://${id}`,
  weight,
  maxWorkers,
});

Deno.test("placement: shares follow the weights, never above a cap, and add up to the total", () => {
  assertEquals([...quotas([instance("a"), instance("b"), instance("c")], 9)], [["a", 3], ["b", 3], ["c", 3]]);
  // The remainder goes to the lowest ids, whatever order they are listed in.
  assertEquals([...quotas([instance("c"), instance("b"), instance("a")], 10)].sort(), [
    ["a", 4],
    ["b", 3],
    ["c", 3],
  ]);
  assertEquals([...quotas([instance("a", 2), instance("b", 1)], 9)], [["a", 6], ["b", 3]]);
  // A capped instance's excess goes to the others.
  assertEquals([...quotas([instance("a", 1, 2), instance("b"), instance("c")], 9)].sort(), [
    ["a", 2],
    ["b", 4],
    ["c", 3],
  ]);
  // More than every cap together: each takes its cap, the rest stays out.
  assertEquals([...quotas([instance("a", 1, 2), instance("b", 1, 3)], 9)].sort(), [["a", 2], ["b", 3]]);
  assertEquals([...quotas([instance("a")], 0)], [["a", 0]]);
});

Deno.test("placement: a rounding never moves a network: equal remainders go to those already running more", () => {
  // One network, two instances: the one running it keeps it, whichever id is lower.
  assertEquals([...quotas([instance("a"), instance("b")], 1, new Map([["b", 1]]))].sort(), [["a", 0], [
    "b",
    1,
  ]]);
  assertEquals(
    [...quotas([instance("a"), instance("b"), instance("c")], 4, new Map([["c", 2], ["a", 2]]))].sort(),
    [
      ["a", 2],
      ["b", 1],
      ["c", 1],
    ],
  );
  const running = view("b", { 1: "b" }, ["a", "b"], [1]);
  assertEquals(plan(running).handOver, []);
  assertEquals(plan({ ...running, me: "a" }).want, 0);
});

const servers = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function view(me: string, owners: Record<number, string>, live = ["a", "b", "c"], wanted = servers(9)) {
  return {
    me,
    instances: live.map((id) => instance(id)),
    wanted,
    owners: new Map(Object.entries(owners).map(([id, owner]) => [Number(id), owner])),
  } satisfies PlacementView;
}

// Carries out every instance's plan in turn until nothing changes: the round-based loop, on paper.
function settle(live: string[], owners: Map<number, string>, wanted = servers(9)): number {
  let moves = 0;
  for (let round = 0; round < 20; round++) {
    let changed = false;
    for (const me of live) {
      const p = plan({ me, instances: live.map((id) => instance(id)), wanted, owners });
      for (const id of p.handOver) {
        owners.delete(id);
        moves++;
        changed = true;
      }
      for (const id of p.take.slice(0, p.want)) {
        owners.set(id, me);
        changed = true;
      }
    }
    if (!changed) return moves;
  }
  throw new Error("the placement did not settle");
}

const counts = (owners: Map<number, string>) => {
  const n = new Map<string, number>();
  for (const owner of owners.values()) n.set(owner, (n.get(owner) ?? 0) + 1);
  return [...n].sort();
};

Deno.test("placement: unowned servers are spread over the live instances, each once", () => {
  const owners = new Map<number, string>();
  assertEquals(settle(["a", "b", "c"], owners), 0);
  assertEquals(owners.size, 9);
  assertEquals(counts(owners), [["a", 3], ["b", 3], ["c", 3]]);
});

Deno.test("placement: a new instance takes its share, moving no more servers than that share", () => {
  const owners = new Map(servers(9).map((id) => [id, "a"]));
  assertEquals(settle(["a", "b"], owners), 4, "a hands 4 over to b");
  assertEquals(counts(owners), [["a", 5], ["b", 4]]);
  assertEquals(settle(["a", "b", "c"], owners), 3, "then 2 from a and 1 from b go to c");
  assertEquals(counts(owners), [["a", 3], ["b", 3], ["c", 3]]);
});

Deno.test("placement: a dead instance's servers are taken by the others; nothing else moves", () => {
  const owners = new Map<number, string>();
  settle(["a", "b", "c"], owners);
  const kept = new Map([...owners].filter(([, owner]) => owner !== "c"));
  for (const [id, owner] of owners) if (owner === "c") owners.delete(id);
  assertEquals(settle(["a", "b"], owners), 0, "no hand-over: the dead one's servers were free");
  assertEquals(owners.size, 9);
  for (const [id, owner] of kept) assertEquals(owners.get(id), owner, `server ${id} stayed`);
  assert(counts(owners).every(([, n]) => n === 4 || n === 5));
});

Deno.test("placement: an instance over its share hands over only what others lack beyond the free ones", () => {
  // Shares 5 and 4: b lacks 4 and 3 servers are free, so a hands over 1 and keeps 5.
  const p = plan(view("a", { 1: "a", 2: "a", 3: "a", 4: "a", 5: "a", 6: "a" }, ["a", "b"]));
  assertEquals(p.quota, 5);
  assertEquals(p.handOver.length, 1);
  // A server held by something that is not a live instance is left out of the shares.
  const stuck = plan(view("b", { 1: "gone", 2: "a" }, ["a", "b"], [1, 2, 3]));
  assertEquals(stuck.quota, 1);
  assertEquals(stuck.take, [3]);
});
