import { assertEquals, assertThrows } from "../support/assert.ts";
import { loadConfig } from "../../lib/config.ts";

const configOf = (vars: Record<string, string>) => loadConfig((name) => vars[name]);

Deno.test("config: PORT is digits from 0 to 65535; empty means the default", () => {
  assertEquals(configOf({}).port, 8000);
  assertEquals(configOf({ PORT: "" }).port, 8000);
  assertEquals(configOf({ PORT: "0" }).port, 0);
  assertEquals(configOf({ PORT: "65535" }).port, 65535);
  for (const bad of ["0x1F40", "1e3", "-1", "65536", " 80", "8000abc"]) {
    assertThrows(() => configOf({ PORT: bad }), Error, "PORT must be a port number");
  }
});

Deno.test("config: on loopback only the loopback names are answered; exposed, the operator names them", () => {
  assertEquals(configOf({}).allowedHosts, ["localhost", "127.0.0.1", "[::1]"]);
  assertEquals(configOf({ HOST: "::1" }).allowedHosts, ["localhost", "127.0.0.1", "[::1]"]);
  assertEquals(configOf({ HOST: "0.0.0.0" }).allowedHosts, undefined);
  assertEquals(
    configOf({ HOST: "0.0.0.0", ALLOWED_HOSTS: "irc.example.org, Chat.Example.org ," }).allowedHosts,
    ["irc.example.org", "chat.example.org"],
  );
  assertEquals(configOf({ ALLOWED_HOSTS: "*" }).allowedHosts, undefined);
});

Deno.test("config: the caps on workers and servers per user are whole numbers of 1 or more", () => {
  assertEquals([configOf({}).maxWorkers, configOf({}).maxServersPerUser], [200, 100]);
  assertEquals(configOf({ MAX_WORKERS: "5", MAX_SERVERS_PER_USER: "2" }).maxWorkers, 5);
  for (const bad of ["0", "-1", "1.5", "lots"]) {
    assertThrows(() => configOf({ MAX_WORKERS: bad }), Error, "MAX_WORKERS");
    assertThrows(() => configOf({ MAX_SERVERS_PER_USER: bad }), Error, "MAX_SERVERS_PER_USER");
  }
});

Deno.test("config: TRUSTED_PROXIES lists addresses; none by default", () => {
  assertEquals(configOf({}).trustedProxies, []);
  assertEquals(configOf({ TRUSTED_PROXIES: "10.0.0.2, ::1," }).trustedProxies, ["10.0.0.2", "::1"]);
});

Deno.test("config: PUBLIC_URL is an http(s) origin; unset by default", () => {
  assertEquals(configOf({}).publicUrl, undefined);
  assertEquals(configOf({ PUBLIC_URL: "" }).publicUrl, undefined);
  assertEquals(configOf({ PUBLIC_URL: "https://IRC.example.org/" }).publicUrl, "https://irc.example.org");
  assertEquals(configOf({ PUBLIC_URL: " http://irc.lan:8080 " }).publicUrl, "http://irc.lan:8080");
  for (const bad of ["irc.example.org", "ftp://irc.example.org", "https://", "javascript:alert(1)"]) {
    assertThrows(() => configOf({ PUBLIC_URL: bad }), Error, "PUBLIC_URL must be an http(s) URL");
  }
});

Deno.test("config: RETENTION_DAYS and MAX_MESSAGES_PER_SERVER are unset (everything kept) by default", () => {
  assertEquals(configOf({}).retentionDays, undefined);
  assertEquals(configOf({ RETENTION_DAYS: "" }).retentionDays, undefined);
  assertEquals(configOf({ RETENTION_DAYS: "90" }).retentionDays, 90);
  assertEquals(configOf({}).maxMessagesPerServer, undefined);
  assertEquals(configOf({ MAX_MESSAGES_PER_SERVER: "5000" }).maxMessagesPerServer, 5000);
  for (const bad of ["0", "-1", "1.5", "forever"]) {
    assertThrows(() => configOf({ RETENTION_DAYS: bad }), Error, "RETENTION_DAYS must be a whole number");
    assertThrows(
      () => configOf({ MAX_MESSAGES_PER_SERVER: bad }),
      Error,
      "MAX_MESSAGES_PER_SERVER must be a whole number",
    );
  }
});
