import { createTestDatabase, type TestDatabase } from "../../support/database.ts";
import { assert, assertEquals, waitFor } from "../../support/assert.ts";
import { createUserAndServer } from "../../support/userServer.ts";
import { type PushService, startPushService } from "../../support/pushService.ts";
import { EventFeed } from "../../../lib/events/eventFeed.ts";
import { EventStream } from "../../../lib/events/eventStream.ts";
import { messagesChannel } from "../../../lib/events/busChannels.ts";
import { publishServerEvent } from "../../../lib/events/wireFormat.ts";
import { addIgnore } from "../../../lib/ignores.ts";
import { parseAllowedTargets } from "../../../lib/ircTargets.ts";
import { insertMessages, type NewMessageInput } from "../../../lib/messages.ts";
import type { PushPayload } from "../../../lib/push/pushPayload.ts";
import {
  PUSH_SUBSCRIPTIONS_CHANNEL,
  type PushDecision,
  PushSender,
  type PushSenderOptions,
} from "../../../lib/push/pushSender.ts";
import { saveSubscription, userSubscriptions } from "../../../lib/push/subscriptions.ts";
import { vapidKeys } from "../../../lib/push/vapid.ts";
import { markReadAndTell } from "../../../lib/readMarkers.ts";
import { ServiceBus } from "../../../lib/serviceBus.ts";
import { setNotifyLevel } from "../../../lib/userSettings.ts";
import type { Server } from "../../../lib/db/schema.ts";
import type { TestSubscription } from "../../support/pushService.ts";

interface PushTest {
  database: TestDatabase;
  server: Server;
  userId: number;
  bus: ServiceBus;
  feed: EventFeed;
  service: PushService;
  /** Stores and announces lines of alice's server as a worker does; their ids. */
  say(...lines: Partial<NewMessageInput>[]): Promise<number[]>;
  subscribe(): Promise<TestSubscription>;
  start(options?: Partial<PushSenderOptions>): Promise<PushSender>;
  /** Resolves with what became of message `id`. */
  decision(id: number): Promise<PushDecision>;
  /** Every decision made about message `id` so far. */
  decisions(id: number): PushDecision[];
}

async function withPush(fn: (t: PushTest) => Promise<void>): Promise<void> {
  const database = await createTestDatabase();
  const bus = new ServiceBus({ url: database.url, db: database.db });
  const feed = new EventFeed(database.db, bus);
  const service = startPushService();
  const senders: PushSender[] = [];
  const decisions: PushDecision[] = [];
  try {
    const { user, server } = await createUserAndServer(database.db);
    await fn({
      database,
      server,
      userId: user.id,
      bus,
      feed,
      service,
      async say(...lines) {
        const stored = await insertMessages(
          database.db,
          server.id,
          lines.map((line) => ({
            target: "#chan",
            sender: "bob",
            content: "hi",
            message_type: "privmsg",
            ...line,
          })),
        );
        for (const { seq, message } of stored) {
          await publishServerEvent(bus, { serverId: server.id, seq, event: "message", data: message });
        }
        return stored.map((s) => s.message.id);
      },
      async subscribe() {
        const subscription = await service.subscribe();
        await saveSubscription(database.db, user.id, {
          endpoint: subscription.endpoint,
          ...subscription.keys,
        });
        return subscription;
      },
      async start(options = {}) {
        const sender = await PushSender.start({
          db: database.db,
          feed,
          bus,
          subject: "mailto:ops@example.org",
          // The local push service is on loopback.
          targets: parseAllowedTargets("127.0.0.0/8"),
          seenDelayMs: 200,
          onDecision: (d) => decisions.push(d),
          ...options,
        });
        senders.push(sender);
        return sender;
      },
      decisions: (id) => decisions.filter((d) => d.messageId === id),
      decision: (id) =>
        waitFor(() => decisions.find((d) => d.messageId === id), 10_000, `the decision about message ${id}`),
    });
  } finally {
    for (const sender of senders) sender.close();
    feed.close();
    await bus.close();
    await service.close();
    await database.drop();
  }
}

const payloadOf = (text: string) => JSON.parse(text) as PushPayload;

Deno.test("push: with no stream open, a mention and a private message are pushed at once, signed and encrypted; other lines are not", async () => {
  await withPush(async (t) => {
    const subscription = await t.subscribe();
    const sender = await t.start();
    assertEquals(sender.watchedUsers, [t.userId]);

    const [plain, mention, own] = await t.say(
      { content: "nothing for you here" },
      { content: `\x02alice\x02: ${"long ".repeat(100)}` },
      { sender: "alice", content: "alice: my own line" },
    );
    const [query] = await t.say({ target: "carol", sender: "carol", content: "psst" });
    assertEquals((await t.decision(plain)).outcome, "quiet");
    assertEquals((await t.decision(own)).outcome, "quiet");
    assertEquals(await t.decision(mention), {
      userId: t.userId,
      messageId: mention,
      outcome: "pushed",
      sent: 1,
      gone: 0,
      failed: 0,
    });
    assertEquals((await t.decision(query)).outcome, "pushed");

    assertEquals(t.service.received.length, 2);
    // Each push goes out on its own: they may arrive in either order.
    const byMessage = (id: number) => t.service.received.find((p) => payloadOf(p.text).id === id)!;
    const [first, second] = [byMessage(mention), byMessage(query)];
    assertEquals(first.id, subscription.endpoint.split("/").at(-1));
    // Signed with the app's stored key, for the push service's origin; kept a day, urgent.
    assertEquals(first.vapidKey, (await vapidKeys(t.database.db)).publicKey);
    assertEquals(first.claims.aud, t.service.url);
    assertEquals(first.claims.sub, "mailto:ops@example.org");
    assertEquals([first.ttl, first.urgency], [86400, "high"]);
    const payload = payloadOf(first.text);
    assertEquals(payload.text.length, 200);
    assert(payload.text.startsWith("alice: long long") && payload.text.endsWith("…"), payload.text);
    assertEquals({ ...payload, text: "" }, {
      v: 1,
      id: mention,
      server_id: t.server.id,
      network: "Libera",
      window: "#chan",
      nick: "bob",
      kind: "privmsg",
      text: "",
      url: `/servers/${t.server.id}/chat/%23chan`,
    });
    assertEquals(payloadOf(second.text).window, "carol");
    assertEquals(payloadOf(second.text).text, "psst");
  });
});

Deno.test("push: while a stream is open, a line read within the delay is not pushed, one left unread is", async () => {
  await withPush(async (t) => {
    await t.subscribe();
    await t.start({ seenDelayMs: 300 });
    const stream = new EventStream({ db: t.database.db, feed: t.feed, userId: t.userId, cursor: undefined });
    stream.start();
    try {
      await waitFor(() => t.feed.openStreams(t.userId) === 1, 5000, "the stream to register");
      const [read] = await t.say({ content: "alice: are you there?" });
      // The open tab shows the window: its read marker passes the line.
      await markReadAndTell(t.database.db, t.server.id, "#chan", read, t.bus);
      assertEquals((await t.decision(read)).outcome, "seen");

      const [unread] = await t.say({ content: "alice: still there?" });
      assertEquals((await t.decision(unread)).outcome, "pushed");
      assertEquals(t.service.received.map((p) => payloadOf(p.text).id), [unread]);
    } finally {
      stream.close("test over");
    }
  });
});

Deno.test("push: nothing for an ignored nick, nor in a window set to notify of nothing; every line of a window set to all", async () => {
  await withPush(async (t) => {
    await t.subscribe();
    await addIgnore(t.database.db, t.server.id, "troll*");
    await setNotifyLevel(t.database.db, t.server.id, "#quiet", "none");
    await setNotifyLevel(t.database.db, t.server.id, "#busy", "all");
    await t.start();
    const [ignored, muted, busy] = await t.say(
      { sender: "troll42", content: "alice: hey" },
      { target: "#Quiet", content: "alice: hey" },
      { target: "#busy", content: "no mention at all" },
    );
    assertEquals((await t.decision(ignored)).outcome, "ignored");
    assertEquals((await t.decision(muted)).outcome, "quiet");
    assertEquals((await t.decision(busy)).outcome, "pushed");
    assertEquals(t.service.received.map((p) => payloadOf(p.text).id), [busy]);
  });
});

Deno.test("push: a subscription the push service says is gone (410, 404) is forgotten, and a user with none left is no longer followed", async () => {
  await withPush(async (t) => {
    const gone = await t.subscribe();
    const kept = await t.subscribe();
    const sender = await t.start();
    t.service.answer(gone.endpoint, 410);
    const [first] = await t.say({ content: "alice: one" });
    assertEquals(await t.decision(first), {
      userId: t.userId,
      messageId: first,
      outcome: "pushed",
      sent: 1,
      gone: 1,
      failed: 0,
    });
    assertEquals((await userSubscriptions(t.database.db, t.userId)).map((s) => s.endpoint), [kept.endpoint]);

    t.service.answer(kept.endpoint, 404);
    const [second] = await t.say({ content: "alice: two" });
    assertEquals((await t.decision(second)).gone, 1);
    assertEquals(await userSubscriptions(t.database.db, t.userId), []);
    assertEquals(sender.watchedUsers, []);
  });
});

Deno.test("push: a subscription made after the start is followed once announced on the bus; a batch too big for a notification is read from the log", async () => {
  await withPush(async (t) => {
    const sender = await t.start();
    assertEquals(sender.watchedUsers, []);
    await t.subscribe();
    await t.bus.publish(PUSH_SUBSCRIPTIONS_CHANNEL, { user_id: t.userId });
    await waitFor(() => sender.watchedUsers.includes(t.userId), 5000, "alice to be followed");

    // As a worker announces a batch too big to carry: its number only.
    const stored = await insertMessages(t.database.db, t.server.id, [
      { target: "#chan", sender: "bob", content: "alice: in a big batch", message_type: "privmsg" },
    ]);
    await t.bus.publish(messagesChannel(t.server.id), { server_id: t.server.id, seq: stored[0].seq });
    assertEquals((await t.decision(stored[0].message.id)).outcome, "pushed");
    assertEquals(payloadOf(t.service.received[0].text).text, "alice: in a big batch");
  });
});

Deno.test("push: two app instances on one database push a line once", async () => {
  await withPush(async (t) => {
    await t.subscribe();
    await t.start();
    const other = new EventFeed(t.database.db, t.bus);
    try {
      await t.start({ feed: other });
      const [mention] = await t.say({ content: "alice: one push, not two" });
      // Both decide about it: one pushes, the other finds it pushed.
      await waitFor(() => t.decisions(mention).length === 2 || undefined, 10_000, "both decisions");
      assertEquals(t.decisions(mention).map((d) => d.outcome).sort(), ["claimed", "pushed"]);
      assertEquals(t.service.received.length, 1);
    } finally {
      other.close();
    }
  });
});

Deno.test("push: the VAPID keys are made once and kept", async () => {
  await withPush(async (t) => {
    const first = await vapidKeys(t.database.db);
    const [again, third] = await Promise.all([vapidKeys(t.database.db), vapidKeys(t.database.db)]);
    assertEquals(again, first);
    assertEquals(third, first);
    assertEquals((await t.start()).publicKey, first.publicKey);
    assertEquals(first.publicKey.length, 87);
  });
});
