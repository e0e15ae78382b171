import { assertEquals } from "../../support/assert.ts";
import { decodeCursor, encodeCursor } from "../../../lib/events/cursor.ts";

Deno.test("cursor: cursors round-trip; anything else is not a cursor", () => {
  const cursor = new Map([[2, 1003], [1, 57]]);
  const text = encodeCursor(cursor);
  assertEquals(text, "c1-57.2-1003");
  assertEquals(decodeCursor(text), new Map([[1, 57], [2, 1003]]));
  assertEquals(decodeCursor("c"), new Map());
  for (
    const bad of [
      undefined,
      "",
      "x",
      "c1",
      "c1-",
      "c1-2.",
      "c-1-2",
      "c1-2;3-4",
      "c" + "1-1.".repeat(2000) + "1-1",
    ]
  ) {
    assertEquals(decodeCursor(bad), undefined, String(bad).slice(0, 20));
  }
});
