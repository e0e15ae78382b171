import { assertEquals } from "../../support/assert.ts";
import {
  channelsChannel,
  messagesChannel,
  parseServerChannel,
  SERVER_CHANNEL_PREFIX,
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
