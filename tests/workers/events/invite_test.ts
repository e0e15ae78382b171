import { assertEquals } from "../../support/assert.ts";
import { inviteHandler } from "../../../workers/events/invite.ts";
import { harness } from "./harness.ts";

Deno.test("invite: an invitation to us goes to the server window, one seen by invite-notify to the channel's", () => {
  const t = harness([inviteHandler]);
  t.line(":bob!b@h INVITE tester #ruby");
  t.line("@time=2026-01-02T03:04:05.000Z :bob!b@h INVITE carol #ruby");
  assertEquals(t.brief(), [
    ["system", null, "bob", "bob invites you to #ruby"],
    ["system", "#ruby", "bob", "bob invited carol to #ruby"],
  ]);
});

Deno.test("invite: malformed ones store nothing", () => {
  const t = harness([inviteHandler]);
  t.line(":bob!b@h INVITE tester");
  t.line(":srv INVITE");
  t.emit("invite", null);
  assertEquals(t.stored, []);
});
