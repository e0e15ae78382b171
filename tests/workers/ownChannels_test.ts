import { assertEquals } from "../support/assert.ts";
import { OwnChannels } from "../../workers/ownChannels.ts";

Deno.test("own channels: loaded and joined ones are rejoined; parted and kicked ones are not", () => {
  const channels = new OwnChannels();
  channels.load(["#ruby", "#deno"]);
  channels.apply("#new", { joined: true });
  channels.apply("#DENO", { joined: false });
  channels.apply("#ruby", { topic: "a topic changes nothing" });
  channels.apply("#gone", { joined: true });
  channels.apply("#Gone", { joined: false });
  assertEquals(channels.size, 2);
  assertEquals(channels.rejoinLines(), ["JOIN #ruby,#new"]);
});

Deno.test("own channels: a name no join command may carry is never sent back", () => {
  const channels = new OwnChannels();
  for (const name of ["#ok", "#bell\x07", "#a,#b", "nochannel", `#${"x".repeat(200)}`, "#with space"]) {
    channels.apply(name, { joined: true });
  }
  channels.load(["#from,db"]);
  assertEquals(channels.rejoinLines(), ["JOIN #ok"]);
});

Deno.test("own channels: the same channel in another case is one channel, named as last joined", () => {
  const channels = new OwnChannels();
  channels.apply("#Ruby", { joined: true });
  channels.apply("#ruby", { joined: true });
  assertEquals(channels.rejoinLines(), ["JOIN #ruby"]);
});
