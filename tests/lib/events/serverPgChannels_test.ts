import { assertEquals, assertRejects } from "../../support/assert.ts";
import { createTestDatabase } from "../../support/database.ts";
import { readBusKey, serverPgChannel } from "../../../lib/events/busChannels.ts";
import { ServerPgChannels } from "../../../lib/events/serverPgChannels.ts";
import { sql } from "kysely";

Deno.test("server channels: worked out from the database's key, known from then on, and back", async () => {
  const { db, drop } = await createTestDatabase();
  try {
    const channels = new ServerPgChannels(db);
    const key = await readBusKey(db);
    assertEquals(channels.known(3), undefined);
    assertEquals(await channels.of(3), serverPgChannel(key, 3));
    assertEquals(channels.known(3), serverPgChannel(key, 3));
    assertEquals(channels.serverOf(serverPgChannel(key, 3)), 3);
    assertEquals(channels.serverOf(serverPgChannel(key, 4)), undefined);
    assertEquals(channels.withKey(key, 4), serverPgChannel(key, 4));
    assertEquals(channels.serverOf(serverPgChannel(key, 4)), 4);
    channels.forget(3);
    assertEquals(channels.known(3), undefined);
    assertEquals(channels.serverOf(serverPgChannel(key, 3)), undefined);
  } finally {
    await drop();
  }
});

Deno.test("server channels: one told (a worker's own) wins, and a key that cannot be read is read again next time", async () => {
  const { db, drop } = await createTestDatabase();
  try {
    const channels = new ServerPgChannels(db);
    assertEquals(channels.remember(5, "ircweb_told"), "ircweb_told");
    assertEquals(await channels.of(5), "ircweb_told", "no key is read for a channel told");
    assertEquals(channels.serverOf("ircweb_told"), 5);

    const value = await sql<{ value: string }>`select value from app_secrets where name = 'bus'`.execute(db);
    await sql`delete from app_secrets where name = 'bus'`.execute(db);
    await assertRejects(() => channels.of(6), Error, "missing from app_secrets");
    await sql`insert into app_secrets (name, value) values ('bus', ${value.rows[0].value})`.execute(db);
    assertEquals(await channels.of(6), serverPgChannel(await readBusKey(db), 6));
  } finally {
    await drop();
  }
});
