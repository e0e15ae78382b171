/**
 * A stored message as the API and the live stream send it, for the islands' tests.
 *
 * @module
 */
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
