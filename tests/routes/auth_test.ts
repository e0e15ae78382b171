import { assert, assertEquals, assertMatch } from "../support/assert.ts";
import { createUser } from "../../lib/users.ts";
import { createSession, SESSION_LIFETIME_MS } from "../../lib/auth/sessions.ts";
import { expectJson, expectStatus, type TestApp, withApp } from "./testApp.ts";

const ORIGIN = "http://127.0.0.1:8000";

/** The `name=value` of the session cookie a response sets. */
function sessionCookie(response: Response): string {
  const header = response.headers.get("set-cookie") ?? "";
  const match = /(ircweb_session=[^;]+)/.exec(header);
  if (!match) throw new Error(`no session cookie in ${JSON.stringify(header)}`);
  return match[1];
}

/** POSTs `fields` to `path` as an HTML form from {@link ORIGIN}, with `headers` on top. */
function submit(
  t: TestApp,
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Response> {
  return t.call(path, {
    method: "POST",
    headers: { ...FORM, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** POSTs a JSON login of `name` with `password`, from `address` (127.0.0.1 when none). */
function postLogin(t: TestApp, name: string, password: string, address?: string): Promise<Response> {
  return t.call("/login", { method: "POST", address, body: { name, password } });
}

const FORM = { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN };

Deno.test("first run: /setup creates the first account and logs in, then is gone", async () => {
  await withApp(async (t) => {
    const bad = await expectJson(
      await t.call("/setup", { method: "POST", body: { name: "admin", password: "short" } }),
      422,
    );
    assertEquals(bad.field, "password");
    const badName = await expectJson(
      await t.call("/setup", { method: "POST", body: { name: "no spaces", password: "long enough" } }),
      422,
    );
    assertEquals(badName.field, "name");
    const noPassword = await expectJson(
      await t.call("/setup", { method: "POST", body: { name: "admin" } }),
      422,
    );
    assertEquals(noPassword, { error: "password is required", field: "password" });

    const response = await t.call("/setup", {
      method: "POST",
      body: { name: "admin", password: "a strong password" },
    });
    const created = await expectJson<{ user: { name: string } }>(response, 201);
    assertEquals(created.user.name, "admin");
    const setCookie = response.headers.get("set-cookie") ?? "";
    assertMatch(setCookie, /HttpOnly/i);
    assertMatch(setCookie, /SameSite=Lax/i);
    assertMatch(setCookie, /Path=\//);
    assert(!/Secure/i.test(setCookie), "no Secure flag on plain HTTP");
    const me = await expectJson(
      await t.call("/api/me", { headers: { cookie: sessionCookie(response) } }),
      200,
    );
    assertEquals(me.name, "admin");

    await expectJson(
      await t.call("/setup", { method: "POST", body: { name: "second", password: "a strong password" } }),
      404,
    );
    const formAfter = await submit(t, "/setup", { name: "third", password: "a strong password" });
    await expectStatus(formAfter, 303);
    assertEquals(formAfter.headers.get("location"), "/login");
    const names = await t.database.db.selectFrom("users").select("name").execute();
    assertEquals(names.map((n) => n.name), ["admin"]);
  });
});

Deno.test("login: right password gives a session cookie; wrong password and unknown names are refused; logout ends it", async () => {
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    for (
      const body of [{ name: "alice", password: "wrong horse" }, {
        name: "nobody",
        password: "correct horse",
      }]
    ) {
      const refused = await t.call("/login", { method: "POST", body });
      const answer = await expectJson(refused, 401);
      assertEquals(answer.error, "Wrong name or password");
      assertEquals(refused.headers.get("set-cookie"), null);
    }
    await expectStatus(await t.call("/login", { method: "POST", body: "{" }), 422);
    await expectStatus(await t.call("/login", { method: "POST", body: { name: "alice", password: 5 } }), 422);

    const response = await t.call("/login", {
      method: "POST",
      body: { name: "Alice", password: "correct horse" },
    });
    assertEquals((await expectJson<{ user: { name: string } }>(response, 200)).user.name, "alice");
    const cookie = sessionCookie(response);
    const stored = await t.database.db.selectFrom("sessions").select("token_hash").execute();
    assertEquals(stored.length, 1);
    assert(!cookie.includes(stored[0].token_hash), "the database holds only a hash");
    assertEquals((await expectJson(await t.call("/api/me", { headers: { cookie } }), 200)).name, "alice");

    const out = await t.call("/logout", {
      method: "POST",
      headers: { cookie, origin: ORIGIN, accept: "application/json" },
    });
    assertEquals(await expectJson(out, 200), { ok: true });
    assertMatch(out.headers.get("set-cookie") ?? "", /ircweb_session=;.*Max-Age=0/i);
    await expectStatus(await t.call("/api/me", { headers: { cookie } }), 401);
    assertEquals((await t.database.db.selectFrom("sessions").select("token_hash").execute()).length, 0);
  });
});

Deno.test("login: the cookie is Secure behind an HTTPS proxy", async () => {
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    const response = await t.call("/login", {
      method: "POST",
      headers: { "x-forwarded-proto": "https" },
      body: { name: "alice", password: "correct horse" },
    });
    await expectStatus(response, 200);
    assertMatch(response.headers.get("set-cookie") ?? "", /;\s*Secure/i);
  });
});

Deno.test("login: with PUBLIC_URL, its scheme alone decides the cookie's Secure flag", async () => {
  const login = async (t: TestApp, headers: Record<string, string> = {}) => {
    const response = await t.call("/login", {
      method: "POST",
      headers,
      body: { name: "alice", password: "correct horse" },
    });
    await expectStatus(response, 200);
    return response.headers.get("set-cookie") ?? "";
  };
  // Behind a TLS proxy that sends no X-Forwarded-Proto: Secure all the same.
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    assertMatch(await login(t), /;\s*Secure/i);
    const logout = await t.call("/logout", {
      method: "POST",
      headers: { ...FORM, cookie: "ircweb_session=x" },
    });
    assertMatch(logout.headers.get("set-cookie") ?? "", /;\s*Secure/i);
  }, { config: { publicUrl: "https://irc.example.org" } });
  // Plain HTTP on purpose: a header cannot make it Secure (the browser would then drop it).
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    assert(!/Secure/i.test(await login(t, { "x-forwarded-proto": "https" })));
  }, { config: { publicUrl: "http://irc.lan" } });
});

Deno.test("a request with X-Forwarded-For from a peer not in TRUSTED_PROXIES is warned of, once", async () => {
  const hit = async (t: TestApp, options: Parameters<TestApp["call"]>[1]) =>
    await (await t.call("/login", options)).body?.cancel();
  const warnings: string[] = [];
  await withApp(async (t) => {
    await hit(t, { headers: { "x-forwarded-for": "203.0.113.9" } });
    await hit(t, { headers: { "x-forwarded-for": "203.0.113.10" } });
    assertEquals(warnings.length, 1, warnings.join("\n"));
    assertMatch(warnings[0], /X-Forwarded-For from 127\.0\.0\.1, which is not in TRUSTED_PROXIES/);
    assertMatch(warnings[0], /set TRUSTED_PROXIES=127\.0\.0\.1/);
  }, { warn: (message) => warnings.push(message) });
  // From a trusted proxy, or without the header, nothing is said.
  const quiet: string[] = [];
  await withApp(async (t) => {
    await hit(t, {});
    await hit(t, { address: "10.0.0.2", headers: { "x-forwarded-for": "203.0.113.9" } });
    assertEquals(quiet, []);
  }, { warn: (message) => quiet.push(message), config: { trustedProxies: ["10.0.0.2"] } });
});

Deno.test("login forms redirect to a local next page, or back with an error code", async () => {
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    const wrong = await submit(t, "/login", { name: "alice", password: "nope nope" });
    await expectStatus(wrong, 303);
    assertEquals(wrong.headers.get("location"), "/login?error=invalid");
    const missing = await submit(t, "/login", { name: "alice" });
    assertEquals(missing.headers.get("location"), "/login?error=missing");

    for (
      const [next, location] of [
        ["/servers/3", "/servers/3"],
        ["/servers/3/chat/%23ruby?x=1", "/servers/3/chat/%23ruby?x=1"],
        ["//evil.example/x", "/"],
        ["https://evil.example", "/"],
        ["/\\evil.example", "/"],
        // Browsers drop tabs and newlines from a URL: these are //evil.example to them.
        ["/\t/evil.example/phish", "/"],
        ["/\n/evil.example", "/"],
        ["/\r\n/evil.example", "/"],
      ]
    ) {
      const ok = await submit(t, "/login", { name: "alice", password: "correct horse", next });
      await expectStatus(ok, 303);
      assertEquals(ok.headers.get("location"), location, next);
      sessionCookie(ok);
    }
    const logout = await t.call("/logout", {
      method: "POST",
      headers: { ...FORM, cookie: "ircweb_session=x" },
    });
    assertEquals([logout.status, logout.headers.get("location")], [303, "/login"]);
  });
});

Deno.test("login: repeated failures are throttled per name and per address", async () => {
  const limits = { perName: 3, perAddress: 5, windowMs: 60_000 };
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    await createUser(t.database.db, "bob", "battery staple");
    for (let i = 0; i < 3; i++) {
      await expectStatus(await postLogin(t, "alice", `guess ${i}`, `10.0.0.${i}`), 401);
    }
    // Locked: even the right password is refused, from any address.
    const locked = await postLogin(t, "alice", "correct horse", "10.0.0.99");
    const answer = await expectJson(locked, 429);
    assertMatch(answer.error as string, /Too many failed logins/);
    assert(Number(locked.headers.get("retry-after")) > 0);
    const form429 = await submit(t, "/login", { name: "alice", password: "correct horse" });
    assertEquals(form429.headers.get("location"), "/login?error=throttled");
    await expectStatus(await postLogin(t, "bob", "battery staple"), 200);

    // One address guessing many names is locked too, others are not.
    for (const name of ["carol", "dave", "erin", "frank", "grace"]) {
      await expectStatus(await postLogin(t, name, "whatever1", "192.0.2.7"), 401);
    }
    await expectStatus(await postLogin(t, "bob", "battery staple", "192.0.2.7"), 429);
    await expectStatus(await postLogin(t, "bob", "battery staple", "192.0.2.8"), 200);
  }, { loginLimits: limits });
});

Deno.test("login: guesses sent all at once are counted as they come, not after their passwords are checked", async () => {
  const limits = { perName: 3, perAddress: 5, windowMs: 60_000 };
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => postLogin(t, "alice", `guess ${i}`, `10.1.0.${i}`)),
    );
    const statuses = answers.map((r) => r.status).sort();
    await Promise.all(answers.map((r) => r.body?.cancel()));
    assertEquals(statuses, [401, 401, 401, ...Array(9).fill(429)]);
    // One address, many names, all at once: its limit holds too.
    const byAddress = await Promise.all(
      ["b", "c", "d", "e", "f", "g", "h", "i"].map((name) =>
        t.call("/login", { method: "POST", address: "192.0.2.9", body: { name, password: "whatever1" } })
      ),
    );
    const counted = byAddress.map((r) => r.status).sort();
    await Promise.all(byAddress.map((r) => r.body?.cancel()));
    assertEquals(counted, [401, 401, 401, 401, 401, 429, 429, 429]);
  }, { loginLimits: limits });
});

Deno.test("login and setup: a huge body is refused unread, and a name no user can have is not looked up", async () => {
  await withApp(async (t) => {
    const huge = JSON.stringify({ name: "alice", password: "x".repeat(2 * 1024 * 1024) });
    for (const path of ["/login", "/setup"]) {
      await expectStatus(await t.call(path, { method: "POST", body: huge }), 413);
    }
    for (const name of ["a".repeat(201), "al\u0000ice", "al\nice"]) {
      const answer = await expectJson(
        await t.call("/login", { method: "POST", body: { name, password: "whatever1" } }),
        422,
      );
      assertEquals(answer, { error: "name is not a user's name", field: "name" });
    }
    const rows = await t.database.db.selectFrom("login_failures").select("name").execute();
    assertEquals(rows, []);
  });
});

Deno.test("login: failures elsewhere do not lock a user out of an address they logged in from", async () => {
  const limits = { perName: 3, perAddress: 5, windowMs: 60_000 };
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    const login = (address: string, password: string) =>
      t.call("/login", { method: "POST", address, body: { name: "alice", password } });
    await expectStatus(await login("10.2.0.1", "correct horse"), 200);
    for (let i = 0; i < 3; i++) await expectStatus(await login(`10.3.0.${i}`, `guess ${i}`), 401);
    // The name is locked for a new address...
    await expectStatus(await login("10.3.0.9", "correct horse"), 429);
    // ...not where alice logs in from.
    await expectStatus(await login("10.2.0.1", "correct horse"), 200);
    // There the address's own limit still counts.
    for (let i = 0; i < 5; i++) await expectStatus(await login("10.2.0.1", `guess ${i}`), 401);
    await expectStatus(await login("10.2.0.1", "correct horse"), 429);
  }, { loginLimits: limits });
});

Deno.test("csrf: cookie-authenticated writes must come from this origin; token clients need no Origin", async () => {
  await withApp(async (t) => {
    await createUser(t.database.db, "alice", "correct horse");
    const login = await t.call("/login", {
      method: "POST",
      body: { name: "alice", password: "correct horse" },
    });
    const cookie = sessionCookie(login);
    const body = { name: "n", host: "irc.example.org", port: 6667, tls: false, nickname: "alice" };

    const foreignHeaders: Record<string, string>[] = [
      {},
      { origin: "http://evil.example" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site" },
    ];
    for (const headers of foreignHeaders) {
      const refused = await t.call("/api/servers", { method: "POST", headers: { cookie, ...headers }, body });
      assertEquals(
        (await expectJson(refused, 403)).error,
        "Cross-site request refused",
        JSON.stringify(headers),
      );
    }
    const textPlain = await t.call("/api/servers", {
      method: "POST",
      headers: { cookie, origin: "http://evil.example", "content-type": "text/plain" },
      body: JSON.stringify(body),
    });
    await expectStatus(textPlain, 403);
    assertEquals((await t.database.db.selectFrom("servers").select("id").execute()).length, 0);

    await expectStatus(
      await t.call("/api/servers", { method: "POST", headers: { cookie, origin: ORIGIN }, body }),
      201,
    );
    await expectStatus(
      await t.call("/api/servers", {
        method: "POST",
        headers: { cookie, "sec-fetch-site": "same-origin" },
        body,
      }),
      201,
    );
    // Reading needs no origin.
    await expectStatus(
      await t.call("/api/servers", { headers: { cookie, "sec-fetch-site": "cross-site" } }),
      200,
    );

    // Login forms posted from another site are refused (login CSRF).
    const foreign = await submit(t, "/login", { name: "alice", password: "correct horse" }, {
      origin: "http://evil.example",
    });
    await expectStatus(foreign, 403);
  });
});

Deno.test("security headers: a CSP without inline script, no framing, no sniffing", async () => {
  await withApp(async (t) => {
    for (const path of ["/health", "/api/servers", "/nothing"]) {
      const response = await t.call(path);
      await response.body?.cancel();
      const csp = response.headers.get("content-security-policy") ?? "";
      assertMatch(csp, /default-src 'self'/);
      assertMatch(csp, /script-src 'self'(;|$)/);
      assertMatch(csp, /object-src 'none'/);
      assertMatch(csp, /frame-ancestors 'none'/);
      assert(!csp.includes("unsafe-inline") && !csp.includes("unsafe-eval"), csp);
      assertEquals(response.headers.get("x-content-type-options"), "nosniff");
      assertEquals(response.headers.get("x-frame-options"), "DENY");
    }
  });
});

Deno.test("api tokens: created through the API, listed without secret, work until deleted", async () => {
  await withApp(async (t) => {
    const alice = await t.user("alice");
    const mallory = await t.user("mallory");
    const created = await expectJson(
      await t.call("/api/tokens", { method: "POST", as: alice, body: { label: "ci" } }),
      201,
    );
    const token = created.token as string;
    const asToken = { ...alice, token };
    assertEquals((await expectJson(await t.call("/api/me", { as: asToken }), 200)).name, "alice");

    const listed = await expectJson<Record<string, unknown>[]>(
      await t.call("/api/tokens", { as: alice }),
      200,
    );
    assertEquals(listed.map((x) => x.label), ["test", "ci"]);
    assert(!JSON.stringify(listed).includes(token) && !("token_hash" in listed[0]));
    await expectJson(await t.call("/api/tokens", { method: "POST", as: alice, body: { label: 5 } }), 422);

    await expectStatus(await t.call(`/api/tokens/${created.id}`, { method: "DELETE", as: mallory }), 404);
    await expectStatus(await t.call("/api/me", { as: asToken }), 200);
    await expectStatus(await t.call(`/api/tokens/${created.id}`, { method: "DELETE", as: alice }), 204);
    await expectStatus(await t.call("/api/me", { as: asToken }), 401);
    await expectStatus(await t.call("/api/servers", { as: asToken }), 401);
    await expectStatus(await t.call("/api/me", { as: alice }), 200);
  });
});

const DAY_MS = 24 * 60 * 60 * 1000;

/** The `Expires` of the session cookie a response sets, or `undefined` when it sets none. */
function sessionCookieExpiry(response: Response): Date | undefined {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith("ircweb_session="));
  if (cookie === undefined) return undefined;
  const match = /;\s*Expires=([^;]+)/i.exec(cookie);
  if (!match) throw new Error(`no Expires in ${JSON.stringify(cookie)}`);
  return new Date(match[1]);
}

Deno.test("sessions: a use that extends the session sends the cookie again with the new expiry", async () => {
  await withApp(async (t) => {
    const { db } = t.database;
    const alice = await t.user("alice");
    // Logged in two days ago: the row is due for extension, and so is the
    // cookie, which the browser would otherwise drop 30 days after login.
    const due = async () => (await createSession(db, alice.id, new Date(Date.now() - 2 * DAY_MS))).token;
    const expectRenewed = (response: Response, what: string) => {
      const expiry = sessionCookieExpiry(response);
      assert(expiry, `${what}: the cookie is sent again`);
      // Expires has whole seconds.
      assert(expiry.getTime() > Date.now() + SESSION_LIFETIME_MS - 60_000, `${what}: ${expiry}`);
      const header = response.headers.getSetCookie().find((c) => c.startsWith("ircweb_session="))!;
      assertMatch(header, /HttpOnly/i);
      assertMatch(header, /SameSite=Lax/i);
      assertMatch(header, /Path=\//);
      return header;
    };

    // The API, as JSON.
    const token = await due();
    const api = await t.call("/api/me", { headers: { cookie: `ircweb_session=${token}` } });
    await expectStatus(api, 200);
    const header = expectRenewed(api, "API");
    assert(header.startsWith(`ircweb_session=${token};`), "the same session");
    assert(!/;\s*Secure/i.test(header), "no Secure flag on plain HTTP");
    // Used again soon after: the row is not extended, and the cookie not sent.
    const again = await t.call("/api/me", { headers: { cookie: `ircweb_session=${token}` } });
    await expectStatus(again, 200);
    assertEquals(again.headers.getSetCookie(), []);

    // The event stream: a Response of its own, not built by the context.
    const events = await t.call("/api/events", { headers: { cookie: `ircweb_session=${await due()}` } });
    assertEquals(events.status, 200);
    assertMatch(events.headers.get("content-type") ?? "", /^text\/event-stream/);
    expectRenewed(events, "event stream");
    await events.body?.cancel();

    // Pages: one behind the signed-in check, and the login page's redirect.
    const page = await t.call("/servers/999999", { headers: { cookie: `ircweb_session=${await due()}` } });
    await expectStatus(page, 404);
    expectRenewed(page, "page");
    const login = await t.call("/login", { headers: { cookie: `ircweb_session=${await due()}` } });
    await expectStatus(login, 303);
    expectRenewed(login, "login redirect");

    // Behind an HTTPS proxy the renewed cookie stays Secure.
    const secure = await t.call("/api/me", {
      headers: { cookie: `ircweb_session=${await due()}`, "x-forwarded-proto": "https" },
    });
    await expectStatus(secure, 200);
    assertMatch(expectRenewed(secure, "HTTPS"), /;\s*Secure/i);

    // A session started just now is not due: no cookie on its uses.
    const fresh = (await createSession(db, alice.id)).token;
    for (const path of ["/api/me", "/api/events", "/servers/999999"]) {
      const response = await t.call(path, { headers: { cookie: `ircweb_session=${fresh}` } });
      assertEquals(response.headers.getSetCookie(), [], path);
      await response.body?.cancel();
    }
  });
});
