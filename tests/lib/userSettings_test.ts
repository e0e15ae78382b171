import { createTestDatabase } from "../support/database.ts";
import { assertEquals } from "../support/assert.ts";
import { createUser } from "../../lib/users.ts";
import { insertServer } from "../../lib/servers.ts";
import {
  DEFAULT_SETTINGS,
  getNotifyLevels,
  getUserSettings,
  notifyKey,
  parseSettingsForm,
  saveUserSettings,
  setNotifyLevel,
} from "../../lib/userSettings.ts";

Deno.test("userSettings: the form read and checked", () => {
  assertEquals(
    parseSettingsForm({ highlight_words: " ruby, deno\nruby ,,", theme: "dark", time_format: "12h" }),
    {
      ok: true,
      settings: { highlightWords: ["ruby", "deno"], theme: "dark", timeFormat: "12h", showJoinsParts: false },
    },
  );
  assertEquals(parseSettingsForm({ show_joins_parts: "on" }), {
    ok: true,
    settings: { ...DEFAULT_SETTINGS, showJoinsParts: true },
  });
  assertEquals(parseSettingsForm({ theme: "neon" }).ok, false);
  assertEquals(parseSettingsForm({ time_format: "%H" }).ok, false);
  const bad = parseSettingsForm({ highlight_words: "a\x07b" });
  assertEquals(bad.ok ? "" : bad.field, "highlight_words");
  assertEquals(parseSettingsForm({ highlight_words: "x".repeat(51) }).ok, false);
});

Deno.test("userSettings: stored per user, defaults until saved; notification levels per window", async () => {
  const database = await createTestDatabase();
  try {
    const db = database.db;
    const alice = await createUser(db, "alice", "correct horse battery");
    const bob = await createUser(db, "bob", "correct horse battery");
    assertEquals(await getUserSettings(db, alice.id), DEFAULT_SETTINGS);
    const mine = {
      highlightWords: ["ruby"],
      theme: "light" as const,
      timeFormat: "24h-seconds" as const,
      showJoinsParts: false,
    };
    await saveUserSettings(db, alice.id, mine);
    await saveUserSettings(db, alice.id, { ...mine, highlightWords: ["ruby", "deno"] });
    assertEquals(await getUserSettings(db, alice.id), { ...mine, highlightWords: ["ruby", "deno"] });
    assertEquals(await getUserSettings(db, bob.id), DEFAULT_SETTINGS, "another user's are their own");

    const server = await insertServer(db, {
      user_id: alice.id,
      name: "Libera",
      host: "irc.example.org",
      port: 6697,
      tls: true,
      nickname: "alice",
    });
    await setNotifyLevel(db, server.id, "#Ruby", "none");
    await setNotifyLevel(db, server.id, "#ruby", "all");
    assertEquals(await getNotifyLevels(db, [server.id]), { [notifyKey(server.id, "#RUBY")]: "all" });
  } finally {
    await database.drop();
  }
});
