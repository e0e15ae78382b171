import { h, render } from "preact";
import { act } from "preact/test-utils";
import { type MessageList, useMessageList } from "../../../islands/channel/useMessageList.ts";
import { assertEquals } from "../../support/assert.ts";
import { messageJson } from "../fixtures.ts";
import { SmallDocument } from "../smallDom.ts";

const message = (id: number) => messageJson(id);

Deno.test("useMessageList: each message once, in id order, older pages before, new ones after", async () => {
  let list: MessageList | undefined;
  function Probe() {
    list = useMessageList([message(5), message(6)]);
    return null;
  }
  const root = new SmallDocument().createElement("div") as unknown as Element;
  await act(() => render(h(Probe, {}), root));
  const ids = () => list!.messages.map((m) => m.id);

  await act(() => list!.append([message(6), message(8)]));
  assertEquals(ids(), [5, 6, 8], "one already shown is skipped");
  // A reply to a send that overtook the live stream lands in its place.
  await act(() => list!.append([message(7)]));
  assertEquals(ids(), [5, 6, 7, 8]);
  await act(() => list!.prepend([message(3), message(4), message(5)]));
  assertEquals(ids(), [3, 4, 5, 6, 7, 8]);
  await act(() => list!.append([message(4), message(8)]));
  assertEquals(ids(), [3, 4, 5, 6, 7, 8], "nothing twice, however it comes back");
  await act(() => render(null, root));
});
