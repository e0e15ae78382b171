/**
 * A stored message as the API and the live stream send it, and a window's
 * props as the chat page renders them, for the islands' tests.
 *
 * @module
 */
import type { ChannelViewProps } from "../../islands/ChannelView.tsx";
import type { MessageJson } from "../../lib/messages.ts";

/** Message `id`: bob's line in #ruby of server 1, unless `change` says otherwise. */
export function messageJson(id: number, change: Partial<MessageJson> = {}): MessageJson {
  return {
    id,
    server_id: 1,
    target: "#ruby",
    sender: "bob",
    content: `line ${id}`,
    message_type: "privmsg",
    created_at: "2026-01-02T03:04:05.000Z",
    ...change,
  };
}

/** alice's #ruby on server 4 (Libera), connected and joined, no topic, no messages; `change` over that. */
export function channelViewProps(change: Partial<ChannelViewProps> = {}): ChannelViewProps {
  return {
    serverId: 4,
    serverName: "Libera",
    target: "#ruby",
    nick: "alice",
    status: "connected",
    statusError: null,
    topic: null,
    joined: true,
    messages: [],
    hasMore: false,
    pageSize: 100,
    ...change,
  };
}
