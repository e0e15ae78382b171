/**
 * One batch of the event writer in the database: its items written in one
 * statement (one transaction when they are not only messages), and what it
 * stored published on the bus once it has committed.
 *
 * @module
 */
import type { Db } from "../lib/db/database.ts";
import { changeChannel } from "../lib/channels.ts";
import { lockServerRow, updateServer } from "../lib/servers.ts";
import { messagesChannel } from "../lib/events/busChannels.ts";
import {
  type LogEvent,
  messagesPayload,
  type Publisher,
  publishServerEvent,
} from "../lib/events/wireFormat.ts";
import { errorMessage, type Logger } from "../lib/log.ts";
import {
  insertMessages,
  insertMessagesNotifying,
  type NewMessageInput,
  type StoredMessage,
} from "../lib/messages.ts";
import type { InlineNotification } from "../lib/serviceBus.ts";
import { applyMemberChanges, type MembersChange } from "../lib/channelMembers.ts";
import type { WriteItem } from "./writeItem.ts";

/** Where a batch's events are published (the service bus). */
export interface BatchPublisher extends Publisher {
  /** When given, a batch of messages sends its notification in its own statement. */
  inlineNotification?(channel: string): InlineNotification;
}

/** What a batch stored, to publish once it has committed. */
export interface WrittenBatch {
  messages: StoredMessage[];
  events: LogEvent[];
  /** A newest number to announce without the events (after an unacknowledged commit). */
  wake?: number;
  /** The messages' notification went with their commit; this delivers it in this process. */
  notified?: () => void;
}

/**
 * Writes `batch` for `serverId` under `batchId` (the messages' batch id, by
 * which a batch whose commit answer was lost is found again) and returns
 * what it stored.
 */
export async function writeBatch(
  db: Db,
  serverId: number,
  batch: WriteItem[],
  batchId: string,
  bus?: BatchPublisher,
): Promise<WrittenBatch> {
  if (batch.every((item) => item.kind === "message")) {
    const inputs = batch.map((item) => (item as { message: NewMessageInput }).message);
    const notification = bus?.inlineNotification?.(messagesChannel(serverId));
    if (notification) {
      // The notification travels with the insert's commit: one round trip
      // per batch on the event path instead of two.
      const { stored, payload } = await insertMessagesNotifying(
        db,
        serverId,
        inputs,
        batchId,
        notification,
      );
      // A batch of replayed lines only (every msgid stored already) stores
      // nothing and notifies no one.
      const notified = stored.length > 0 ? () => notification.deliverHere(payload) : () => {};
      return { messages: stored, events: [], notified };
    }
    return { messages: await insertMessages(db, serverId, inputs, batchId), events: [] };
  }
  // Channel changes and the nickname are idempotent; only the messages
  // need the batch id.
  return await db.transaction().execute(async (trx) => {
    // Lock order: the server's row before its sequence row, as
    // `updateServer` takes them (a status write racing a nick change
    // deadlocked: this took the sequence row with the messages first).
    if (batch.some((item) => item.kind === "nickname")) await lockServerRow(trx, serverId);
    const out: WrittenBatch = { messages: [], events: [] };
    let run: NewMessageInput[] = [];
    // The batch's member changes are folded into a few statements at its
    // end: they touch only their own table, and keep their order among
    // themselves (10,000 joins of ours are then a few statements a batch,
    // not a few each).
    const members: MembersChange[] = [];
    const flushRun = async () => {
      if (run.length === 0) return;
      out.messages.push(...await insertMessages(trx, serverId, run, batchId));
      run = [];
    };
    for (const item of batch) {
      if (item.kind === "message") {
        run.push(item.message);
        continue;
      }
      if (item.kind === "members") {
        members.push(item.change);
        continue;
      }
      await flushRun();
      if (item.kind === "nickname") {
        await updateServer(trx, serverId, { current_nickname: item.nick });
        continue;
      }
      const { event } = await changeChannel(trx, serverId, item.name, item.change);
      if (event) out.events.push(event);
    }
    await flushRun();
    if (members.length > 0) out.events.push(...await applyMemberChanges(trx, serverId, members));
    return out;
  });
}

/**
 * Publishes what a committed batch stored; a notification that could not
 * be sent is only logged (receivers catch up at the next one).
 */
export function publishBatch(
  bus: BatchPublisher,
  serverId: number,
  published: WrittenBatch,
  log: Logger,
): void {
  const sent: Promise<void>[] = [];
  if (published.notified) published.notified();
  else if (published.messages.length > 0) {
    sent.push(
      bus.publish(messagesChannel(serverId), messagesPayload(serverId, published.messages)),
    );
  } else if (published.wake !== undefined) {
    sent.push(
      bus.publish(messagesChannel(serverId), { server_id: serverId, seq: published.wake }),
    );
  }
  for (const event of published.events) sent.push(publishServerEvent(bus, event));
  // A lost notification is caught up by receivers at the next one or when
  // they listen again; the rows are committed either way.
  for (const p of sent) p.catch((error) => log.warn(`not published: ${errorMessage(error)}`));
}
