import { X509Certificate } from "node:crypto";
import { assert, assertEquals } from "../support/assert.ts";
import type { Server } from "../../lib/db/schema.ts";
import { serverJson } from "../../routes/api/servers.ts";
import {
  certificateFingerprints,
  clientCertificateProblem,
  generateClientCertificate,
} from "../../lib/clientCert.ts";
import { parseAllowedTargets, PUBLIC_ONLY } from "../../lib/ircTargets.ts";
import {
  checkServerSettings,
  hostRefusal,
  MAX_PASSWORD_BYTES,
  MAX_REALNAME_BYTES,
  MAX_USERNAME_BYTES,
} from "../../lib/serverSettings.ts";

const VALID = { name: "Libera", host: "irc.libera.chat", port: 6697, tls: true, nickname: "alice" };

function usernameCheck(username: unknown) {
  const result = checkServerSettings({ ...VALID, username });
  return result.ok ? { ok: true, username: result.value.username } : result;
}

Deno.test("checkServerSettings: a username with a colon is refused (USER :x would never register)", () => {
  for (const username of [":x", "a:b", ":"]) {
    assertEquals(usernameCheck(username), {
      ok: false,
      field: "username",
      error: "username must not contain spaces, @ or :",
    });
  }
});

Deno.test("checkServerSettings: a username is limited in UTF-8 bytes", () => {
  assertEquals(usernameCheck("u".repeat(MAX_USERNAME_BYTES)), { ok: true, username: "u".repeat(64) });
  assertEquals(usernameCheck("é".repeat(32)), { ok: true, username: "é".repeat(32) });
  assertEquals(usernameCheck("é".repeat(33)), {
    ok: false,
    field: "username",
    error: "username must be at most 64 bytes",
  });
  assertEquals(usernameCheck("u".repeat(65)), {
    ok: false,
    field: "username",
    error: "username must be at most 64 bytes",
  });
});

Deno.test("checkServerSettings: ordinary usernames pass; empty means none", () => {
  for (const username of ["bob", "~bob", "bob_1", "bob.x", "bøb"]) {
    assertEquals(usernameCheck(username), { ok: true, username });
  }
  assertEquals(usernameCheck(""), { ok: true, username: null });
  assertEquals(usernameCheck(null), { ok: true, username: null });
});

Deno.test("checkServerSettings: realname and password are limited in bytes, so USER and PASS fit a line", () => {
  const check = (fields: Record<string, string>) => checkServerSettings({ ...VALID, ...fields });
  assertEquals(check({ realname: "€".repeat(133) }).ok, true);
  assertEquals(check({ realname: "€".repeat(134) }), {
    ok: false,
    field: "realname",
    error: "realname must be at most 400 bytes",
  });
  assertEquals(check({ password: "x".repeat(500) }).ok, true);
  assertEquals(check({ password: "x".repeat(501) }), {
    ok: false,
    field: "password",
    error: "password must be at most 500 bytes",
  });
  assertEquals(check({ password: "€".repeat(167) }).ok, false);

  // The longest of each, as irc-framework sends them at registration.
  const username = "u".repeat(MAX_USERNAME_BYTES);
  const realname = "r".repeat(MAX_REALNAME_BYTES);
  const password = "p".repeat(MAX_PASSWORD_BYTES);
  assertEquals(check({ username, realname, password }).ok, true);
  const bytes = (line: string) => new TextEncoder().encode(line + "\r\n").length;
  assertEquals(bytes(`USER ${username} 0 * :${realname}`) <= 512, true);
  assertEquals(bytes(`PASS :${password}`) <= 512, true);
});

Deno.test("checkServerSettings: an IP literal host outside ALLOWED_IRC_TARGETS is refused; a name is left to connect time", () => {
  const lan = parseAllowedTargets("192.168.0.0/16");
  const hostCheck = (host: string, targets = PUBLIC_ONLY) => {
    const result = checkServerSettings({ ...VALID, host }, targets);
    return result.ok ? "ok" : `${result.field}: ${result.error}`;
  };
  assertEquals(
    hostCheck("127.0.0.1"),
    "host: Connecting to 127.0.0.1 (a loopback address) is not allowed: set ALLOWED_IRC_TARGETS",
  );
  for (const host of ["::1", "169.254.169.254", "10.0.0.5", "192.168.1.20", "::ffff:10.0.0.5"]) {
    assertEquals(hostCheck(host).startsWith("host: Connecting to "), true, host);
  }
  assertEquals(hostCheck("192.168.1.20", lan), "ok", "the operator allows the LAN");
  assertEquals(hostCheck("10.0.0.5", lan).startsWith("host: "), true, "and only it");
  assertEquals(hostCheck("10.0.0.5", parseAllowedTargets("*")), "ok");
  assertEquals(hostCheck("8.8.8.8"), "ok", "a public address");
  assertEquals(hostCheck("localhost"), "ok", "a name may resolve elsewhere later: checked at connect time");
  assertEquals(checkServerSettings({ ...VALID, host: "127.0.0.1" }).ok, true, "no policy given: not checked");
  assertEquals(hostRefusal(PUBLIC_ONLY, "irc.libera.chat"), undefined);
});

function saslCheck(fields: Record<string, unknown>) {
  const result = checkServerSettings({ ...VALID, ...fields });
  if (!result.ok) return result;
  const { sasl_mechanism, require_sasl, client_cert_pem, client_key_pem } = result.value;
  return {
    ok: true,
    sasl_mechanism,
    require_sasl,
    cert: client_cert_pem !== null,
    key: client_key_pem !== null,
  };
}

Deno.test("checkServerSettings: SASL credentials without a mechanism are PLAIN, as before there was a choice", () => {
  assertEquals(saslCheck({ sasl_username: "alice", sasl_password: "pw" }), {
    ok: true,
    sasl_mechanism: "PLAIN",
    require_sasl: false,
    cert: false,
    key: false,
  });
  assertEquals(saslCheck({}), {
    ok: true,
    sasl_mechanism: null,
    require_sasl: false,
    cert: false,
    key: false,
  });
  assertEquals(saslCheck({ sasl_mechanism: "plain" }), {
    ok: false,
    field: "sasl_username",
    error: "SASL PLAIN needs sasl_username and sasl_password",
  });
  assertEquals(saslCheck({ sasl_mechanism: "SCRAM-SHA-256" }), {
    ok: false,
    field: "sasl_mechanism",
    error: "sasl_mechanism must be PLAIN, EXTERNAL or null",
  });
});

Deno.test("checkServerSettings: require SASL needs a mechanism, and is a boolean", () => {
  assertEquals(saslCheck({ require_sasl: true }), {
    ok: false,
    field: "require_sasl",
    error: "require_sasl needs a sasl_mechanism",
  });
  assertEquals(saslCheck({ require_sasl: "yes", sasl_username: "a", sasl_password: "b" }), {
    ok: false,
    field: "require_sasl",
    error: "require_sasl must be true or false",
  });
  assertEquals(saslCheck({ require_sasl: true, sasl_username: "a", sasl_password: "b" }), {
    ok: true,
    sasl_mechanism: "PLAIN",
    require_sasl: true,
    cert: false,
    key: false,
  });
});

Deno.test("checkServerSettings: EXTERNAL needs a client certificate and TLS; one can be made", () => {
  assertEquals(saslCheck({ sasl_mechanism: "EXTERNAL" }), {
    ok: false,
    field: "client_cert_pem",
    error: "SASL EXTERNAL needs a client certificate (or generate_client_cert)",
  });
  assertEquals(saslCheck({ sasl_mechanism: "EXTERNAL", generate_client_cert: true, tls: false }), {
    ok: false,
    field: "tls",
    error: "SASL EXTERNAL needs TLS: the certificate is presented there",
  });
  const made = checkServerSettings({ ...VALID, sasl_mechanism: "EXTERNAL", generate_client_cert: true });
  assert(made.ok, JSON.stringify(made));
  const { client_cert_pem, client_key_pem } = made.value;
  assert(client_cert_pem && client_key_pem, "a pair is made");
  assertEquals(clientCertificateProblem(client_cert_pem, client_key_pem), undefined);
  assertEquals(new X509Certificate(client_cert_pem).subject, "CN=alice");
  assertEquals(
    certificateFingerprints(client_cert_pem).sha256,
    new X509Certificate(client_cert_pem).fingerprint256.replaceAll(":", "").toLowerCase(),
  );
});

Deno.test("checkServerSettings: an uploaded certificate goes with its own key, as PEM", () => {
  const mine = generateClientCertificate("alice");
  const other = generateClientCertificate("mallory");
  assertEquals(saslCheck({ client_cert_pem: mine.certPem, client_key_pem: mine.keyPem }), {
    ok: true,
    sasl_mechanism: null,
    require_sasl: false,
    cert: true,
    key: true,
  });
  assertEquals(saslCheck({ client_cert_pem: mine.certPem, client_key_pem: other.keyPem }), {
    ok: false,
    field: "client_cert_pem",
    error: "the client key does not belong to the client certificate",
  });
  assertEquals(saslCheck({ client_cert_pem: mine.certPem }), {
    ok: false,
    field: "client_key_pem",
    error: "client_cert_pem and client_key_pem go together",
  });
  assertEquals(saslCheck({ client_cert_pem: "not a certificate", client_key_pem: mine.keyPem }), {
    ok: false,
    field: "client_cert_pem",
    error: "the client certificate is not a PEM X.509 certificate",
  });
  assertEquals(saslCheck({ client_cert_pem: mine.certPem, client_key_pem: `${mine.keyPem}\u0000` }), {
    ok: false,
    field: "client_key_pem",
    error: "client_key_pem must be PEM text",
  });
});

Deno.test("serverJson: the client key and the passwords never leave, the certificate's fingerprints do", () => {
  const pair = generateClientCertificate("alice");
  const checked = checkServerSettings({
    ...VALID,
    password: "server-secret",
    sasl_username: "alice",
    sasl_password: "sasl-secret",
    client_cert_pem: pair.certPem,
    client_key_pem: pair.keyPem,
  });
  assert(checked.ok);
  const now = new Date();
  const row: Server = {
    ...checked.value,
    id: 1,
    user_id: 1,
    current_nickname: null,
    autoconnect: false,
    socket_path: null,
    pid: null,
    status: "disconnected",
    last_error: null,
    created_at: now,
    updated_at: now,
  } as Server;
  const json = JSON.stringify(serverJson(row));
  const keyBody = pair.keyPem.split("\n")[1];
  for (const secret of ["server-secret", "sasl-secret", keyBody]) assert(!json.includes(secret), secret);
  const shown = serverJson(row);
  assertEquals(shown.client_cert, certificateFingerprints(pair.certPem));
  assertEquals(shown.sasl_mechanism, "PLAIN");
  assertEquals(shown.has_sasl_password, true);
});
