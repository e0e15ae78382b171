/**
 * Server-side rendering of islands: `<Island name="ChannelView" props={…} />`
 * renders the component's HTML in its wrapper and writes its props next to
 * it (`lib/islandMarkup.ts`), for `islands/client.ts` to hydrate. A page
 * records that it holds an island, so the layout links the bundle only
 * then: a page without islands ships no JavaScript.
 *
 * @module
 */
import { createContext, type FunctionComponent } from "preact";
import { useContext } from "preact/hooks";
import type { ComponentProps } from "preact";
import { ISLAND_ATTRIBUTE, ISLAND_PROPS_ATTRIBUTE, serializeIslandProps } from "../../lib/islandMarkup.ts";
import { type IslandName, ISLANDS } from "../../islands/mod.ts";

/** What one page render learns about its islands. */
export interface IslandUse {
  /** Whether at least one island was rendered. */
  used: boolean;
}

/** Carries the {@link IslandUse} of the page being rendered. */
export const IslandContext = createContext<IslandUse | null>(null);

/** Props of {@link Island}: the island's name and its props, which must survive JSON. */
export type IslandProps<N extends IslandName> = { name: N; props: ComponentProps<(typeof ISLANDS)[N]> };

/** Renders the island `name` with `props`, ready to be hydrated in the browser. */
export function Island<N extends IslandName>({ name, props }: IslandProps<N>) {
  const use = useContext(IslandContext);
  if (!use) throw new Error("Island rendered outside a page (renderPage)");
  use.used = true;
  // The type of `props` was checked against `name` at the call.
  const Component = ISLANDS[name] as unknown as FunctionComponent<object>;
  return (
    <>
      <div class="island" {...{ [ISLAND_ATTRIBUTE]: name }}>
        <Component {...(props as object)} />
      </div>
      <script
        type="application/json"
        {...{ [ISLAND_PROPS_ATTRIBUTE]: "" }}
        dangerouslySetInnerHTML={{ __html: serializeIslandProps(props) }}
      />
    </>
  );
}
