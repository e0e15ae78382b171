/**
 * How an island sits in a server-rendered page, shared by the server that
 * writes it and the browser bundle that hydrates it:
 *
 * ```html
 * <div class="island" data-island="ChannelView">…server-rendered HTML…</div>
 * <script type="application/json" data-island-props>{"serverId":1,…}</script>
 * ```
 *
 * The props travel as JSON in a data block, which the browser never runs
 * (the Content-Security-Policy allows no inline script anyway). Every `<`,
 * `>` and `&` in the JSON is written as a `\u` escape, so text from IRC
 * such as `</script>` cannot end the block early; JSON reads the escapes
 * back as the same characters.
 *
 * @module
 */

/** The attribute naming the island on its wrapper element. */
export const ISLAND_ATTRIBUTE = "data-island";
/** The attribute marking the props block that follows the wrapper. */
export const ISLAND_PROPS_ATTRIBUTE = "data-island-props";

const UNSAFE_IN_SCRIPT = /[<>&\u2028\u2029]/g;

/** `props` as JSON that is safe inside a `<script type="application/json">` element. */
export function serializeIslandProps(props: unknown): string {
  return JSON.stringify(props).replace(
    UNSAFE_IN_SCRIPT,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
