import { h } from "preact";
import { renderToString } from "preact-render-to-string";
import ServerControls, { isActive, type ServerControlsProps } from "../../islands/ServerControls.tsx";
import type { ServerStatus } from "../../lib/db/schema.ts";
import { assertEquals, assertMatch } from "../support/assert.ts";

const props: ServerControlsProps = {
  serverId: 2,
  serverName: "<Libera>",
  status: "disconnected",
  error: null,
  next: "/servers/2",
};

Deno.test("ServerControls: a plain form post to connect or disconnect, back to where it was, before any script runs", () => {
  const off = renderToString(h(ServerControls, props));
  assertMatch(off, /<form method="post" action="\/servers\/2\/connect">/);
  assertMatch(off, /<input type="hidden" name="next" value="\/servers\/2"\/>/);
  assertMatch(off, /aria-label="Connect to &lt;Libera>"[^>]*>Connect<\/button>/);
  const on = renderToString(h(ServerControls, { ...props, status: "reconnecting" }));
  assertMatch(on, /action="\/servers\/2\/disconnect"/);
  assertMatch(on, /class="button secondary"[^>]*aria-label="Disconnect from &lt;Libera>"/);
});

Deno.test("isActive: a worker runs (or should) while connecting, connected or reconnecting", () => {
  const statuses: ServerStatus[] = ["connected", "connecting", "reconnecting", "disconnected", "error"];
  assertEquals(statuses.filter(isActive), ["connected", "connecting", "reconnecting"]);
});
