/// <reference lib="dom" />
/**
 * The browser bundle's entry (`deno bundle --platform browser`): hydrates
 * every island the server rendered into the page, with the props it wrote
 * next to each (see `lib/islandMarkup.ts`). Nothing else on the page runs
 * script.
 *
 * @module
 */
import { type FunctionComponent, h, hydrate } from "preact";
import { ISLAND_ATTRIBUTE, ISLAND_PROPS_ATTRIBUTE } from "../lib/islandMarkup.ts";
import { isIslandName, ISLANDS } from "./mod.ts";

for (const element of document.querySelectorAll<HTMLElement>(`[${ISLAND_ATTRIBUTE}]`)) {
  const name = element.getAttribute(ISLAND_ATTRIBUTE) ?? "";
  const data = element.nextElementSibling;
  if (
    !isIslandName(name) || !(data instanceof HTMLScriptElement) || !data.hasAttribute(ISLAND_PROPS_ATTRIBUTE)
  ) {
    console.error(`island ${name}: no component or no props`);
    continue;
  }
  try {
    // The props were written by the server for this very island.
    const Component = ISLANDS[name] as unknown as FunctionComponent<Record<string, unknown>>;
    hydrate(h(Component, JSON.parse(data.textContent ?? "{}")), element);
  } catch (error) {
    // One broken island leaves the others working, and its server-rendered HTML in place.
    console.error(`island ${name}:`, error);
  }
}
