import { assert, assertEquals, assertThrows } from "../../support/assert.ts";
import {
  channelsChannel,
  isServerPgChannel,
  messagesChannel,
  parseServerChannel,
  SERVER_CHANNEL_PREFIX,
  serverIdOfChannel,
  serverPgChannel,
  statusChannel,
} from "../../../lib/events/busChannels.ts";

Deno.test("bus channels: a server's three channels, as docs/api.md names them, and read back", () => {
  assertEquals([messagesChannel(7), statusChannel(7), channelsChannel(7)], [
    "server_7_messages",
    "server_7_status",
    "server_7_channels",
  ]);
  for (const channel of [messagesChannel(7), statusChannel(7), channelsChannel(7)]) {
    assertEquals(channel.startsWith(SERVER_CHANNEL_PREFIX), true);
  }
  assertEquals(parseServerChannel("server_7_messages"), { serverId: 7, kind: "messages" });
  assertEquals(parseServerChannel("server_12_status"), { serverId: 12, kind: "status" });
  assertEquals(parseServerChannel("server_3_channels"), { serverId: 3, kind: "channels" });
  for (
    const other of [
      "server_x_status",
      "server_7_topic",
      "server_7_status_",
      "api_token_deleted",
      "server__status",
    ]
  ) {
    assertEquals(parseServerChannel(other), undefined, other);
  }
});

Deno.test("bus channels: the server a channel is of; a name shaped like a server's without an id is refused", () => {
  assertEquals(serverIdOfChannel("server_7_messages"), 7);
  assertEquals(serverIdOfChannel("server_12_anything"), 12);
  assertEquals(serverIdOfChannel("api_token_deleted"), undefined);
  assertEquals(serverIdOfChannel("bus_servers"), undefined);
  for (const bad of ["server_x_status", "server__status", "server_0_status", "server_7"]) {
    assertThrows(() => serverIdOfChannel(bad), Error, "invalid server bus channel");
  }
});

Deno.test("bus channels: a server's PostgreSQL channel is fixed by the key and the id, and nothing else names it", () => {
  const key = new Uint8Array(32).fill(1);
  const other = new Uint8Array(32).fill(2);
  const name = serverPgChannel(key, 5);
  assertEquals(name, serverPgChannel(key, 5), "every app instance names it alike");
  assert(/^ircweb_s5_[0-9a-f]{32}$/.test(name), name);
  assert(name !== serverPgChannel(other, 5), "another key, another name");
  assert(name.slice(-32) !== serverPgChannel(key, 6).slice(-32), "another server, other digits");
  assert(serverPgChannel(key, 2147483647).length <= 63, "within PostgreSQL's 63 bytes");
  assert(isServerPgChannel(name, 5) && !isServerPgChannel(name, 6) && !isServerPgChannel("ircweb_bus", 5));
  assertThrows(() => serverPgChannel(key, 0), Error);
});
