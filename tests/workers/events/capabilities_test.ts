import { assertEquals } from "../../support/assert.ts";
import { capabilitiesHandler } from "../../../workers/events/capabilities.ts";
import { harness } from "./harness.ts";

Deno.test("capabilities: what was negotiated is listed in the server window once registered, then each change", () => {
  const t = harness([capabilitiesHandler]);
  // Registered, irc-framework starts pinging as its options say; this client never connected.
  (t.client as unknown as { options: { ping_interval: number } }).options = { ping_interval: 0 };
  t.line(":srv CAP * LS :server-time batch cap-notify away-notify");
  t.line(":srv CAP * ACK :server-time batch cap-notify");
  // The negotiation itself is summed up by the list, not told line by line.
  assertEquals(t.stored, []);
  t.line(":srv 001 tester :Welcome");
  // cap-notify: a capability the server adds (irc-framework asks for it) and one it withdraws.
  t.line(":srv CAP tester NEW :away-notify");
  t.line(":srv CAP tester ACK :away-notify");
  t.line(":srv CAP tester DEL :batch");
  assertEquals(t.brief(), [
    ["system", null, null, "Capabilities: batch cap-notify server-time"],
    ["system", null, null, "Capabilities added: away-notify"],
    ["system", null, null, "Capabilities withdrawn by the server: batch"],
  ]);
});

Deno.test("capabilities: a server with none says so; malformed events store nothing", () => {
  const t = harness([capabilitiesHandler]);
  // Registered, irc-framework starts pinging as its options say; this client never connected.
  (t.client as unknown as { options: { ping_interval: number } }).options = { ping_interval: 0 };
  t.line(":srv 001 tester :Welcome");
  t.emit("cap ack", null);
  t.emit("cap del", { capabilities: "x" });
  assertEquals(t.brief(), [["system", null, null, "The server offers no IRCv3 capabilities"]]);
});
