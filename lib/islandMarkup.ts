/**
 * How an island sits in a server-rendered page (a `data-island` element and a
 * JSON block of its props, escaped so that IRC text cannot end it), shared by
 * the server that writes it and the browser bundle that hydrates it
 * (docs/architecture.md, "Pages and islands").
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
