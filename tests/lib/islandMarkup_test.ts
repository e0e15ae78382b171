import { serializeIslandProps } from "../../lib/islandMarkup.ts";
import { assert, assertEquals } from "../support/assert.ts";

Deno.test("island props: no character that could end or open markup survives, and JSON reads them back", () => {
  const props = {
    text: "</script><script>alert(1)</script><!-- & \u2028\u2029 >",
    nested: [{ n: 1, s: "</SCRIPT" }],
    none: null,
  };
  const json = serializeIslandProps(props);
  assert(!/[<>&\u2028\u2029]/.test(json), json);
  assertEquals(JSON.parse(json), props);
});
