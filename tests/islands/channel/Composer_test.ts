/**
 * The input line mounted by Preact (in `smallDom.ts`): what a submit does
 * with a good and a mistyped line, and Up / Down through the lines sent
 * (`useInputHistory`).
 */
import { h, render } from "preact";
import { act } from "preact/test-utils";
import { Composer, type ComposerHandle, type ComposerProps } from "../../../islands/channel/Composer.tsx";
import { windowEntries } from "../../../islands/outbox.ts";
import { assertEquals } from "../../support/assert.ts";
import { SmallDocument, type SmallElement } from "../smallDom.ts";

type Input = SmallElement & { value: string; selectionStart?: number };

/**
 * A Composer of `#ruby` on server `serverId` with `props`, mounted on an
 * empty outbox: its input, and the lines it says it queued; `unmount` empties
 * the outbox again.
 */
async function mountComposer(serverId: number, props: Partial<ComposerProps> = {}) {
  localStorage.clear();
  const root = new SmallDocument().createElement("div");
  const handle = { current: null as ComposerHandle | null };
  let queued = 0;
  await act(() =>
    render(
      h(Composer, { serverId, target: "#ruby", onQueued: () => queued++, handle, ...props }),
      root as unknown as Element,
    )
  );
  const input = root.all("textarea").find((i) => i.getAttribute("name") === "content") as Input;
  return {
    input,
    form: root.all("form")[0],
    handle,
    get queued() {
      return queued;
    },
    /** Types `text` into the input. */
    type: async (text: string) => {
      input.value = text;
      await act(() => input.fire("input"));
    },
    /** The reason shown under the input, if any. */
    error: () => root.all("p").find((p) => p.getAttribute("id") === "composer-error")?.textContent,
    unmount: async () => {
      await act(() => render(null, root as unknown as Element));
      localStorage.clear();
    },
  };
}

Deno.test({
  name:
    "Composer: a line goes to the outbox and the input empties; a mistyped command stays with the reason; Up and Down walk the lines sent",
  // The outbox listens to the page for good, as it does in a browser.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const composer = await mountComposer(3);
    const { input, form, handle, type, error } = composer;
    const key = (name: string) => act(() => input.fire("keydown", { key: name }));

    for (const line of ["first", "second"]) {
      await type(line);
      await act(() => form.fire("submit"));
    }
    assertEquals(composer.queued, 2);
    assertEquals(input.value, "");
    assertEquals(windowEntries(3, "#ruby").map((e) => e.content), ["first", "second"]);

    await type("/join");
    await act(() => form.fire("submit"));
    assertEquals(input.value, "/join", "a mistyped command stays to be fixed");
    assertEquals(typeof error(), "string");
    assertEquals(composer.queued, 2, "and is not sent");
    await key("Escape");
    assertEquals(error(), undefined, "Escape hides the reason");

    await type("");
    await key("ArrowUp");
    assertEquals(input.value, "second");
    // Up walks on from a line only with the caret at its start (else it moves the caret).
    input.selectionStart = 6;
    await key("ArrowUp");
    assertEquals(input.value, "second");
    input.selectionStart = 0;
    await key("ArrowUp");
    assertEquals(input.value, "first");
    await key("ArrowUp");
    assertEquals(input.value, "first", "the oldest line is the end");
    await key("ArrowDown");
    assertEquals(input.value, "second");
    await key("ArrowDown");
    assertEquals(input.value, "", "past the newest: an empty line again");

    // A line not sent comes back into the input through the window's Edit.
    const [first] = windowEntries(3, "#ruby");
    await act(() => handle.current!.edit(first));
    assertEquals(input.value, "first");
    assertEquals(windowEntries(3, "#ruby").map((e) => e.content), ["second"], "taken out of the outbox");

    await composer.unmount();
  },
});

Deno.test({
  name:
    "Composer: a line for a server not connected is not sent (the app would refuse it): said, and kept in the input",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const composer = await mountComposer(4, { status: "disconnected" });
    await composer.type("hello");
    await act(() => composer.form.fire("submit"));
    assertEquals(composer.queued, 0);
    assertEquals(windowEntries(4, "#ruby"), []);
    assertEquals(composer.input.value, "hello");
    assertEquals(composer.error(), "Server not connected: connect it first.");
    await composer.unmount();
  },
});
