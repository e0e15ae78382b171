import { assertEquals } from "../../support/assert.ts";
import { windowOpened } from "../../../islands/channel/windowOpened.ts";
import { parseSlashCommand } from "../../../lib/slashCommand.ts";

function opened(line: string, target: string | null): string | undefined {
  const parsed = parseSlashCommand(line, target);
  if (!parsed.ok) throw new Error(parsed.error);
  return windowOpened(parsed.command, target);
}

Deno.test("windowOpened: /join and /msg to someone else switch to their window; talking where one is does not", () => {
  assertEquals(opened("/join #test", null), "#test");
  assertEquals(opened("/join #Ruby", "#ruby"), undefined, "already there");
  assertEquals(opened("/msg bob hi there", "#ruby"), "bob");
  assertEquals(opened("/msg Bob hi", "bob"), undefined);
  assertEquals(opened("hello", "#ruby"), undefined);
  assertEquals(opened("/me waves", "#ruby"), undefined);
  assertEquals(opened("/part #ruby", "#ruby"), undefined);
});
