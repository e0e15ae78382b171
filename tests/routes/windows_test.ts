/**
 * The window routes: the list in the user's order, a new order, closing a
 * window; bad input is a `422`, another user's server a `404`.
 */
import { assertEquals } from "../support/assert.ts";
import { insertMessages } from "../../lib/messages.ts";
import { setChannelJoined } from "../../lib/channels.ts";
import type { ServerWindow } from "../../lib/windows.ts";
import { expectJson, expectStatus, withApp } from "./testApp.ts";

Deno.test("windows routes: listed in order, reordered, closed; bad input 422, another user's server 404", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    const db = t.database.db;
    await setChannelJoined(db, server.id, "#a", true);
    await setChannelJoined(db, server.id, "#b", true);
    await insertMessages(db, server.id, [{
      target: "bob",
      sender: "bob",
      content: "hi",
      message_type: "privmsg",
    }]);
    const base = `/api/servers/${server.id}/windows`;
    const names = (list: ServerWindow[]) => list.map((w) => w.target);
    assertEquals(names(await expectJson<ServerWindow[]>(await t.call(base, { as: alice }), 200)), [
      "#a",
      "#b",
      "bob",
    ]);

    const reordered = await expectJson<ServerWindow[]>(
      await t.call(`${base}/order`, { method: "PUT", as: alice, body: { targets: ["bob", "#b"] } }),
      200,
    );
    assertEquals(names(reordered), ["bob", "#b", "#a"]);

    await expectStatus(await t.call(`${base}/bob`, { method: "DELETE", as: alice }), 204);
    assertEquals(names(await expectJson<ServerWindow[]>(await t.call(base, { as: alice }), 200)), [
      "#b",
      "#a",
    ]);

    await expectStatus(
      await t.call(`${base}/order`, { method: "PUT", as: alice, body: { targets: ["bad name\r\n"] } }),
      422,
    );
    await expectStatus(
      await t.call(`${base}/order`, { method: "PUT", as: alice, body: { targets: "bob" } }),
      422,
    );
    const mallory = await t.user("mallory");
    await expectStatus(await t.call(base, { as: mallory }), 404);
    await expectStatus(
      await t.call(`${base}/order`, { method: "PUT", as: mallory, body: { targets: ["#a"] } }),
      404,
    );
    await expectStatus(
      await t.call(`${base}/${encodeURIComponent("#a")}`, { method: "DELETE", as: mallory }),
      404,
    );
  });
});
