import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { startFakeIrcServer } from "../support/fakeIrcServer.ts";
import { waitForStatus } from "../support/worker.ts";
import { findServer } from "../../lib/servers.ts";
import { provisionWorkerRole } from "../../lib/db/workerRoles.ts";
import { sql } from "kysely";
import { expectJson, expectStatus, type TestApp, type TestUser, withApp } from "./testApp.ts";
import { createApp } from "../../routes/app.ts";
import { loadConfig } from "../../lib/config.ts";
import { Supervisor } from "../../lib/supervisor/supervisor.ts";
import type { SupervisorOptions } from "../../lib/supervisor/supervisorOptions.ts";

const VALID = { name: "Libera", host: "irc.libera.chat", port: 6697, tls: true, nickname: "alice" };

/** POSTs a server of `user` with a password and SASL ("server-secret", "sasl-secret"); its 201 answer. */
async function createWithSecrets(t: TestApp, user: TestUser): Promise<Record<string, unknown>> {
  return await expectJson(
    await t.call("/api/servers", {
      method: "POST",
      as: user,
      body: { ...VALID, password: "server-secret", sasl_username: "alice", sasl_password: "sasl-secret" },
    }),
    201,
  );
}

Deno.test("servers: create, list, show and delete own servers; secrets never returned", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const created = await createWithSecrets(t, alice);
    assertEquals(created.name, "Libera");
    assertEquals(created.flood_burst, 5, "default burst");
    assertEquals(created.flood_interval_ms, 2000, "default interval");
    assertEquals(created.status, "disconnected");
    assertEquals(created.pid, null);
    assertEquals(created.socket_path, null);
    assertEquals(created.nickname, "alice");
    assertEquals(created.has_password, true);
    assertEquals(created.has_sasl_password, true);
    const text = JSON.stringify(created);
    assert(!text.includes("server-secret") && !text.includes("sasl-secret"), text);
    assert(!("password" in created) && !("sasl_password" in created));

    const row = await findServer(t.database.db, created.id as number);
    assertEquals(row?.user_id, alice.id);
    assertEquals(row?.password, "server-secret");

    const custom = await expectJson(
      await t.call("/api/servers", {
        method: "POST",
        as: alice,
        body: { ...VALID, flood_interval_ms: 0, flood_burst: 9 },
      }),
      201,
    );
    assertEquals([custom.flood_burst, custom.flood_interval_ms], [9, 0]);

    const list = await expectJson<Record<string, unknown>[]>(
      await t.call("/api/servers", { as: alice }),
      200,
    );
    assertEquals(list.map((s) => s.id), [created.id, custom.id]);
    assert(!JSON.stringify(list).includes("secret"));

    const shown = await expectJson(await t.call(`/api/servers/${created.id}`, { as: alice }), 200);
    assertEquals(shown, created);

    await expectStatus(await t.call(`/api/servers/${created.id}`, { method: "DELETE", as: alice }), 204);
    assertEquals(await findServer(t.database.db, created.id as number), undefined);
    await expectStatus(await t.call(`/api/servers/${created.id}`, { as: alice }), 404);
  });
});

Deno.test("servers: the nickname shown is the one in use; pid and socket while running", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice, { nickname: "alice" });
    await t.database.db.updateTable("servers")
      .set({ current_nickname: "alice_", status: "connected", pid: 4242, socket_path: "/tmp/x.sock" })
      .where("id", "=", server.id).execute();
    const shown = await expectJson(await t.call(`/api/servers/${server.id}`, { as: alice }), 200);
    assertEquals([shown.nickname, shown.configured_nickname], ["alice_", "alice"]);
    assertEquals([shown.status, shown.pid, shown.socket_path], ["connected", 4242, "/tmp/x.sock"]);
  });
});

Deno.test("servers: PATCH changes the given fields, keeps the rest and the secrets, clears with null", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const created = await createWithSecrets(t, alice);
    const path = `/api/servers/${created.id}`;
    const changed = await expectJson(
      await t.call(path, {
        method: "PATCH",
        as: alice,
        body: { name: "Libera.Chat", port: 6667, tls: false },
      }),
      200,
    );
    assertEquals([changed.name, changed.port, changed.tls, changed.host], [
      "Libera.Chat",
      6667,
      false,
      VALID.host,
    ]);
    assertEquals([changed.has_password, changed.has_sasl_password], [true, true]);
    assert(!JSON.stringify(changed).includes("secret"));
    let row = await findServer(t.database.db, created.id as number);
    assertEquals([row?.password, row?.sasl_password], ["server-secret", "sasl-secret"]);

    const cleared = await expectJson(
      await t.call(path, { method: "PATCH", as: alice, body: { password: null } }),
      200,
    );
    assertEquals(cleared.has_password, false);
    row = await findServer(t.database.db, created.id as number);
    assertEquals([row?.password, row?.sasl_password], [null, "sasl-secret"]);

    const bad = await expectJson(
      await t.call(path, { method: "PATCH", as: alice, body: { port: 70000 } }),
      422,
    );
    assertEquals(bad.field, "port");
    await expectJson(await t.call(path, { method: "PATCH", as: alice, body: [1] }), 422);
    assertEquals(
      (await findServer(t.database.db, created.id as number))?.port,
      6667,
      "a refused change changes nothing",
    );
  });
});

Deno.test("servers: 401 without valid credentials, on every route", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const server = await t.server(alice);
    const routes: [string, string][] = [
      ["GET", "/api/servers"],
      ["POST", "/api/servers"],
      ["GET", `/api/servers/${server.id}`],
      ["PATCH", `/api/servers/${server.id}`],
      ["DELETE", `/api/servers/${server.id}`],
      ["POST", `/api/servers/${server.id}/connect`],
      ["POST", `/api/servers/${server.id}/disconnect`],
      ["POST", `/api/servers/${server.id}/commands`],
      ["GET", `/api/servers/${server.id}/channels`],
      ["GET", `/api/servers/${server.id}/messages`],
      ["POST", `/api/servers/${server.id}/messages`],
      ["GET", "/api/me"],
      ["GET", "/api/tokens"],
      ["GET", "/api/nothing-here"],
    ];
    const credentials: Record<string, string>[] = [
      {},
      { authorization: "Bearer ircweb_not-a-real-token" },
      { authorization: `Basic ${btoa("alice:secret")}` },
      { authorization: alice.token },
      { cookie: "ircweb_session=forged" },
    ];
    for (const [method, path] of routes) {
      for (const headers of credentials) {
        const sent = method === "POST" || method === "PATCH" ? VALID : undefined;
        const response = await t.call(path, { method, headers, body: sent });
        const body = await expectJson(response, 401).catch((e) => {
          throw new Error(`${method} ${path} ${JSON.stringify(headers)}: ${e.message}`);
        });
        assert(typeof body.error === "string");
        assertMatch(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      }
    }
    assertEquals((await findServer(t.database.db, server.id))?.name, "Test net", "nothing was changed");
    assertEquals((await t.database.db.selectFrom("servers").select("id").execute()).length, 1);
  });
});

Deno.test("servers: another user's server is 404 on every route, and untouched", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const mallory = await t.user("mallory");
    const server = await t.server(alice);
    const routes: [string, string, unknown][] = [
      ["GET", `/api/servers/${server.id}`, undefined],
      ["PATCH", `/api/servers/${server.id}`, { name: "pwned" }],
      ["DELETE", `/api/servers/${server.id}`, undefined],
      ["POST", `/api/servers/${server.id}/connect`, undefined],
      ["POST", `/api/servers/${server.id}/disconnect`, { message: "bye" }],
      ["POST", `/api/servers/${server.id}/commands`, { command: "join", channel: "#x" }],
      ["GET", `/api/servers/${server.id}/channels`, undefined],
      ["GET", `/api/servers/${server.id}/messages?target=%23x`, undefined],
      ["POST", `/api/servers/${server.id}/messages`, { target: "#x", content: "hi" }],
    ];
    for (const [method, path, body] of routes) {
      const response = await t.call(path, { method, as: mallory, body });
      await expectJson(response, 404).catch((e) => {
        throw new Error(`${method} ${path}: ${e.message}`);
      });
    }
    for (const path of ["/api/servers/999999", "/api/servers/abc", "/api/servers/0", "/api/servers/1e3"]) {
      await expectStatus(await t.call(path, { as: alice }), 404);
    }
    const list = await expectJson<unknown[]>(await t.call("/api/servers", { as: mallory }), 200);
    assertEquals(list, []);
    const row = await findServer(t.database.db, server.id);
    assertEquals([row?.status, row?.autoconnect, row?.name], ["disconnected", false, "Test net"]);
  });
});

Deno.test("servers: 422 naming the field for each kind of bad body", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const cases: [unknown, string, RegExp][] = [
      ["not json", "body", /not valid JSON/],
      ["", "body", /JSON object/],
      [[VALID], "body", /JSON object/],
      [{ ...VALID, name: undefined }, "name", /name is required/],
      [{ ...VALID, name: "  " }, "name", /must not be empty/],
      [{ ...VALID, name: 42 }, "name", /must be a string/],
      [{ ...VALID, name: "x".repeat(101) }, "name", /at most 100/],
      [{ ...VALID, name: "a\u0007b" }, "name", /control characters/],
      [{ ...VALID, host: undefined }, "host", /host is required/],
      [{ ...VALID, host: "irc.example.org,evil.example.com:443" }, "host", /host name or an IP/],
      [{ ...VALID, host: "irc example org" }, "host", /host name or an IP/],
      [{ ...VALID, port: undefined }, "port", /port is required/],
      [{ ...VALID, port: "6667" }, "port", /integer from 1 to 65535/],
      [{ ...VALID, port: 0 }, "port", /integer from 1 to 65535/],
      [{ ...VALID, port: 70000 }, "port", /integer from 1 to 65535/],
      [{ ...VALID, port: 6667.5 }, "port", /integer/],
      [{ ...VALID, tls: undefined }, "tls", /tls is required/],
      [{ ...VALID, tls: "yes" }, "tls", /true or false/],
      [{ ...VALID, nickname: undefined }, "nickname", /nickname is required/],
      [{ ...VALID, nickname: "9lives" }, "nickname", /not a valid IRC nickname/],
      [{ ...VALID, nickname: "two words" }, "nickname", /not a valid IRC nickname/],
      [{ ...VALID, username: "a b" }, "username", /spaces/],
      [{ ...VALID, username: ":x" }, "username", /must not contain spaces, @ or :/],
      [{ ...VALID, username: "é".repeat(33) }, "username", /at most 64 bytes/],
      [{ ...VALID, username: 7 }, "username", /must be a string/],
      [{ ...VALID, realname: "x\r\nQUIT" }, "realname", /control characters/],
      [{ ...VALID, realname: "€".repeat(134) }, "realname", /at most 400 bytes/],
      [{ ...VALID, password: "x".repeat(501) }, "password", /at most 500 bytes/],
      [{ ...VALID, sasl_username: "alice" }, "sasl_password", /go together/],
      [{ ...VALID, sasl_password: "secret" }, "sasl_username", /go together/],
      [{ ...VALID, flood_burst: 0 }, "flood_burst", /integer from 1 to 100/],
      [{ ...VALID, flood_burst: "5" }, "flood_burst", /integer/],
      [{ ...VALID, flood_interval_ms: -1 }, "flood_interval_ms", /integer from 0 to 60000/],
      [{ ...VALID, flood_interval_ms: 60001 }, "flood_interval_ms", /integer from 0 to 60000/],
    ];
    for (const [body, field, error] of cases) {
      const response = await t.call("/api/servers", { method: "POST", as: alice, body });
      const answer = await expectJson(response, 422).catch((e) => {
        throw new Error(`${JSON.stringify(body)}: ${e.message}`);
      });
      assertEquals(answer.field, field, JSON.stringify(answer));
      assertMatch(answer.error as string, error);
    }
    assertEquals((await t.database.db.selectFrom("servers").select("id").execute()).length, 0);
    const big = await t.call("/api/servers", {
      method: "POST",
      as: alice,
      body: { ...VALID, realname: "x".repeat(70_000) },
    });
    await expectStatus(big, 413);
  });
});

Deno.test("servers: connect spawns a worker that connects; disconnect quits it; delete stops it", async () => {
  const irc = startFakeIrcServer();
  try {
    await withApp(async (t) => {
      const alice = await t.user("alice");
      const server = await t.server(alice, { port: irc.port, nickname: "alice" });

      const connecting = await expectJson(
        await t.call(`/api/servers/${server.id}/connect`, { method: "POST", as: alice }),
        202,
      );
      assert(["connecting", "connected"].includes(connecting.status as string), String(connecting.status));
      await irc.waitForClient(15_000);
      const row = await waitForStatus(t.database.db, server.id, "connected", 15_000);
      const shown = await expectJson(await t.call(`/api/servers/${server.id}`, { as: alice }), 200);
      assertEquals(shown.status, "connected");
      assertEquals(shown.pid, row.pid);
      assertEquals(shown.socket_path, row.socket_path);
      assert(typeof shown.pid === "number" && typeof shown.socket_path === "string");

      // A second connect is harmless: still one worker.
      await expectStatus(
        await t.call(`/api/servers/${server.id}/connect`, { method: "POST", as: alice }),
        202,
      );
      assertEquals((await findServer(t.database.db, server.id))?.pid, row.pid);

      const goodbye = "See you " + "€".repeat(97) + "!"; // 300 bytes
      const badBodies: [unknown, string, RegExp][] = [
        ["[1]", "body", /JSON object/],
        [{ message: 5 }, "message", /must be a string/],
        [{ message: "a\r\nJOIN #x" }, "message", /CR, LF or NUL/],
        // Limited in bytes, as IRC counts: 301 ASCII characters, or 101 of 3 bytes each.
        [{ message: "x".repeat(301) }, "message", /^message must be at most 300 bytes$/],
        [{ message: "€".repeat(101) }, "message", /^message must be at most 300 bytes$/],
      ];
      for (const [body, field, error] of badBodies) {
        const bad = await expectJson(
          await t.call(`/api/servers/${server.id}/disconnect`, { method: "POST", as: alice, body }),
          422,
        );
        assertEquals(bad.field, field);
        assertMatch(bad.error as string, error);
      }
      assertEquals(
        (await findServer(t.database.db, server.id))?.status,
        "connected",
        "bad bodies changed nothing",
      );

      const stopped = await expectJson(
        await t.call(`/api/servers/${server.id}/disconnect`, {
          method: "POST",
          as: alice,
          body: { message: goodbye },
        }),
        202,
      );
      // The longest accepted message goes out whole.
      await irc.waitForLine(`QUIT :${goodbye}`);
      assertEquals([stopped.status, stopped.pid, stopped.socket_path], ["disconnected", null, null]);
      await expectStatus(
        await t.call(`/api/servers/${server.id}/disconnect`, { method: "POST", as: alice }),
        202,
      );

      // Deleting a connected server stops its worker first.
      await expectStatus(
        await t.call(`/api/servers/${server.id}/connect`, { method: "POST", as: alice }),
        202,
      );
      const again = await waitForStatus(t.database.db, server.id, "connected", 15_000);
      await expectStatus(await t.call(`/api/servers/${server.id}`, { method: "DELETE", as: alice }), 204);
      assertEquals(t.supervisor.isRunning(server.id), false);
      assertEquals(await findServer(t.database.db, server.id), undefined);
      let alive = true;
      try {
        Deno.kill(again.pid!, "SIGCONT");
      } catch {
        alive = false;
      }
      assertEquals(alive, false, "the worker process is gone");
    });
  } finally {
    await irc.close();
  }
});

/**
 * Runs `fn` with a second app on the test app's database whose supervisor
 * has small limits (as `MAX_WORKERS` and `MAX_SERVERS_PER_USER` would set),
 * and a way to call it as a user.
 */
async function withLimits(
  t: TestApp,
  limits: Pick<SupervisorOptions, "maxWorkers" | "maxServersPerUser">,
  fn: (
    call: (path: string, as: TestUser, method?: string, body?: unknown) => Promise<Response>,
  ) => Promise<void>,
): Promise<void> {
  const supervisor = await Supervisor.start({
    db: t.database.db,
    databaseUrl: t.database.url,
    socketDir: t.socketDir,
    logLevel: "warn",
    resume: false,
    stopGraceMs: 3000,
    ...limits,
  });
  const app = createApp({
    db: t.database.db,
    config: { ...loadConfig(() => undefined), socketDir: t.socketDir },
    supervisor,
  });
  try {
    await fn((path, as, method = "GET", body) =>
      Promise.resolve(app.request(`http://127.0.0.1:8000${path}`, {
        method,
        headers: { authorization: `Bearer ${as.token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }))
    );
  } finally {
    await supervisor.stop();
  }
}

Deno.test("servers: a user may have MAX_SERVERS_PER_USER servers; one more is 409 with the reason", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const bob = await t.user("bob");
    await withLimits(t, { maxServersPerUser: 2 }, async (call) => {
      // Sent all at once: each request must not find room for itself.
      const answers = await Promise.all(
        Array.from({ length: 4 }, () => call("/api/servers", alice, "POST", VALID)),
      );
      const statuses = answers.map((a) => a.status).sort();
      const bodies = await Promise.all(answers.map((a) => a.json()));
      assertEquals(statuses, [201, 201, 409, 409], JSON.stringify(bodies));
      for (const body of bodies.filter((b) => !("id" in b))) {
        assertEquals(body, {
          error: "You have 2 servers, the most one user may have; delete one to add another",
        });
      }
      const list = await expectJson<{ id: number }[]>(await call("/api/servers", alice), 200);
      assertEquals(list.length, 2);

      // Another user's servers do not count against alice's.
      await expectJson(await call("/api/servers", bob, "POST", VALID), 201);

      // Deleting one makes room again.
      await expectStatus(await call(`/api/servers/${list[0].id}`, alice, "DELETE"), 204);
      await expectJson(await call("/api/servers", alice, "POST", VALID), 201);
      await expectJson(await call("/api/servers", alice, "POST", VALID), 409);
    });
  });
});

Deno.test("servers: a connect beyond MAX_WORKERS is 503 with the reason, and the server stays disconnected", async () => {
  const irc = startFakeIrcServer();
  try {
    await withApp(async (t) => {
      const alice = await t.user("alice");
      const first = await t.server(alice, { port: irc.port, nickname: "alice" });
      const second = await t.server(alice, { port: irc.port, nickname: "alice2" });
      await withLimits(t, { maxWorkers: 1 }, async (call) => {
        await expectJson(await call(`/api/servers/${first.id}/connect`, alice, "POST"), 202);
        await waitForStatus(t.database.db, first.id, "connected", 15_000);

        const refused = await expectJson(await call(`/api/servers/${second.id}/connect`, alice, "POST"), 503);
        assertMatch(
          refused.error as string,
          /^Could not start the connection: the app already runs its limit of 1 IRC connections \(MAX_WORKERS\)/,
        );
        const row = await findServer(t.database.db, second.id);
        assertEquals([row?.status, row?.pid, row?.socket_path], ["disconnected", null, null]);

        // Once the first is disconnected, there is room.
        await expectJson(await call(`/api/servers/${first.id}/disconnect`, alice, "POST"), 202);
        await expectJson(await call(`/api/servers/${second.id}/connect`, alice, "POST"), 202);
        await waitForStatus(t.database.db, second.id, "connected", 15_000);
      });
    });
  } finally {
    await irc.close();
  }
});

Deno.test("servers: an IP literal host ALLOWED_IRC_TARGETS does not allow is 422 at creation and update; a name waits for the connect", async () => {
  // The tests allow loopback only (ALLOWED_IRC_TARGETS=127.0.0.0/8,::1, set by `deno task test`).
  await withApp(async (t) => {
    const alice = await t.user("alice");
    for (const [host, kind] of [["10.0.0.5", "a private"], ["169.254.169.254", "a link-local"]]) {
      const answer = await expectJson(
        await t.call("/api/servers", { method: "POST", as: alice, body: { ...VALID, host } }),
        422,
      );
      assertEquals(answer, {
        field: "host",
        error: `Connecting to ${host} (${kind} address) is not allowed: set ALLOWED_IRC_TARGETS`,
      });
    }
    assertEquals((await t.database.db.selectFrom("servers").select("id").execute()).length, 0);
    // Allowed here, as the tests' own IRC servers are on loopback.
    await expectJson(
      await t.call("/api/servers", { method: "POST", as: alice, body: { ...VALID, host: "127.0.0.1" } }),
      201,
    );
    // A name may resolve elsewhere by the time it connects: the worker checks the address it reaches.
    const named = await expectJson(
      await t.call("/api/servers", {
        method: "POST",
        as: alice,
        body: { ...VALID, host: "irc.internal.example" },
      }),
      201,
    );
    const path = `/api/servers/${named.id}`;
    const update = await expectJson(
      await t.call(path, { method: "PATCH", as: alice, body: { host: "192.168.1.20" } }),
      422,
    );
    assertEquals(update.field, "host");
    assertMatch(
      update.error as string,
      /^Connecting to 192\.168\.1\.20 \(a private address\) is not allowed/,
    );
    assertEquals(
      (await findServer(t.database.db, named.id as number))?.host,
      "irc.internal.example",
      "unchanged",
    );
  });
});

Deno.test("servers: DELETE drops the server's worker database role", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const created = await expectJson(
      await t.call("/api/servers", { method: "POST", as: alice, body: VALID }),
      201,
    );
    // What a spawn of its worker makes.
    const login = await provisionWorkerRole(t.database.db, created.id as number);
    const roles = async () =>
      (await sql<{ n: number }>`select 1 as n from pg_roles where rolname = ${login.user}`.execute(
        t.database.db,
      ))
        .rows.length;
    assertEquals(await roles(), 1);
    await expectStatus(await t.call(`/api/servers/${created.id}`, { method: "DELETE", as: alice }), 204);
    assertEquals(await roles(), 0, "no login left for a server that is gone");
  });
});
