import { assertEquals } from "../../support/assert.ts";
import { BusSubscribers } from "../../../lib/events/busSubscribers.ts";
import type { BusSender } from "../../../lib/serviceBus.ts";

const here: BusSender = { local: true };

Deno.test("bus subscribers: exact and prefix subscribers each get their own copy", () => {
  const subscribers = new BusSubscribers();
  const heard: unknown[] = [];
  subscribers.add("server_1_status", (data, sender) => {
    heard.push(["exact", data, sender]);
    (data as { n: number }).n = 99; // a subscriber changing its copy changes no other
  });
  subscribers.addPrefix("server_", (channel, data) => heard.push(["prefix", channel, data]));
  subscribers.addPrefix("other_", () => heard.push(["wrong prefix"]));
  subscribers.deliver("server_1_status", '{"n":1}', here);
  assertEquals(heard, [
    ["exact", { n: 99 }, here],
    ["prefix", "server_1_status", { n: 1 }],
  ]);
});

Deno.test("bus subscribers: one that throws does not keep the others from hearing", () => {
  const subscribers = new BusSubscribers();
  const heard: string[] = [];
  subscribers.add("c", () => {
    throw new Error("boom");
  });
  subscribers.add("c", () => heard.push("second"));
  subscribers.addPrefix("", () => {
    throw new Error("boom");
  });
  subscribers.addPrefix("c", () => heard.push("prefix"));
  subscribers.deliver("c", "1", here);
  assertEquals(heard, ["second", "prefix"]);
});

Deno.test("bus subscribers: who is subscribed, by channel, by prefix and by server", () => {
  const subscribers = new BusSubscribers();
  assertEquals(subscribers.has("server_1_status"), false);
  const offStatus = subscribers.add("server_1_status", () => {});
  const offMessages = subscribers.add("server_1_messages", () => {});
  const offOther = subscribers.add("server_2_channels", () => {});
  subscribers.add("api_token_deleted", () => {});
  assertEquals([...subscribers.servers()].sort(), [1, 2]);
  assertEquals(subscribers.has("server_1_status"), true);
  assertEquals(subscribers.has("server_1_channels"), false);
  offStatus();
  assertEquals(subscribers.has("server_1_status"), false);
  assertEquals([...subscribers.servers()].sort(), [1, 2], "server 1's messages still are");
  offMessages();
  offOther();
  assertEquals([...subscribers.servers()], []);
  const offPrefix = subscribers.addPrefix("server_", () => {});
  assertEquals(subscribers.has("server_9_status"), true);
  assertEquals([...subscribers.servers()], [], "a prefix names no server");
  offPrefix();
  assertEquals(subscribers.has("server_9_status"), false);
});

Deno.test("bus subscribers: unsubscribing one callback leaves the others of its channel", () => {
  const subscribers = new BusSubscribers();
  const heard: string[] = [];
  const offA = subscribers.add("c", () => heard.push("a"));
  subscribers.add("c", () => heard.push("b"));
  offA();
  subscribers.deliver("c", "null", here);
  assertEquals(heard, ["b"]);
});
