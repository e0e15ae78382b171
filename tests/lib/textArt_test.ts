import { assertEquals } from "../support/assert.ts";
import { looksLikeArt } from "../../lib/textArt.ts";

Deno.test("looksLikeArt: a drawn MOTD is art, written lines and a single line are not", () => {
  assertEquals(looksLikeArt("-  _____ _____ \n- |_   _|  ___|\n-   | | | |_"), true);
  assertEquals(looksLikeArt("- Welcome\n- ==========\n- Be nice."), true);
  assertEquals(looksLikeArt("alice is alice@host (Alice)\nalice is on #ruby"), false);
  assertEquals(looksLikeArt("a single   line"), false);
});
